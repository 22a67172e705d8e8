# Tomorrow will be {{default "happy" .Release.Name }}

{{- define "types.type" -}}{{ typeOf . }}/{{ typeOf .Values }}{{- end -}}

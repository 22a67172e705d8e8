{{- define "lib.labels" -}}
lib: "true"
release: {{ .Release.Name }}
{{- end -}}

{{- define "good.name" -}}x{{- end -}}

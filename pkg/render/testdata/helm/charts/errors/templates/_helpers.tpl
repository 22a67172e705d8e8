{{- define "recursion"}}{{include "recursion" . }}{{end -}}
{{- define "nested_helper.name" -}}{{- include "common.names.get_name" . -}}{{- end -}}
{{- define "wrong_type" -}}{{- $config := index . 1 -}}{{- range $k, $v := $config }}{{ $k }}{{ end -}}{{- end -}}

{{- define "two" }}Goodbye {{upper .Value}}{{ end -}}
{{- define "test" -}}parent value{{- end -}}
{{- define "test-function"}}test-function{{end -}}
{{- define "partial"}}original-in-partial{{end -}}
{{- define "overlook"}}{{printf "# All work and no play makes Jack a dull boy\n"}}{{end -}}

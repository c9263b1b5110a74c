{{/*
The Deployment of an unprivileged service, shared by every stage. Takes root, svc (its values),
component, command, env (its rendered variables) and optionally spread (topology spread),
serviceAccount, strategy, extraVolumes and extraVolumeMounts (rendered YAML lists).
*/}}
{{- define "flowmesh.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "flowmesh.fullname" .root }}-{{ .component }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "flowmesh.labels" . | nindent 4 }}
spec:
  {{- if not (include "flowmesh.kedaScaled" .) }}
  replicas: {{ .svc.replicas }}
  {{- end }}
  {{- with .strategy }}
  strategy: {{ toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "flowmesh.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "flowmesh.labels" . | nindent 8 }}
    spec:
      {{- include "flowmesh.podCommon" . | nindent 6 }}
      {{- if .spread }}
      {{- include "flowmesh.topologySpread" . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          {{- include "flowmesh.image" . | nindent 10 }}
          {{- include "flowmesh.args" . | nindent 10 }}
          env:
            {{- include "flowmesh.serviceEnv" . | nindent 12 }}
            {{- .env | nindent 12 }}
            {{- with .svc.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- include "flowmesh.containerRuntime" . | nindent 10 }}
          volumeMounts:
            {{- include "flowmesh.volumeMounts" .root | nindent 12 }}
            {{- with .extraVolumeMounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "flowmesh.volumes" .root | nindent 8 }}
        {{- with .extraVolumes }}
        {{- . | nindent 8 }}
        {{- end }}
{{- end -}}

{{/* Base of every object name: the release name, plus "-flowmesh" when it does not say flowmesh. */}}
{{- define "flowmesh.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains "flowmesh" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-flowmesh" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one component; app.kubernetes.io/name is the manifests' (the agents' probes select on it). */}}
{{- define "flowmesh.selectorLabels" -}}
app.kubernetes.io/name: flowmesh-{{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "flowmesh.labels" -}}
{{ include "flowmesh.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: flowmesh
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* image and pullPolicy of a container: the service's image values over the chart's. */}}
{{- define "flowmesh.image" -}}
{{- $image := merge (dict) (.svc.image | default dict) .root.Values.image -}}
image: {{ printf "%s:%s" $image.repository ($image.tag | default .root.Chart.AppVersion) | quote }}
imagePullPolicy: {{ $image.pullPolicy }}
{{- end -}}

{{/* Kafka connection, TLS, SASL and producer settings (agent and every stage). */}}
{{- define "flowmesh.kafkaEnv" -}}
- name: FLOWMESH_KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: FLOWMESH_KAFKA_COMPRESSION
  value: {{ .Values.kafka.compression | quote }}
- name: FLOWMESH_KAFKA_IDEMPOTENT
  value: {{ .Values.kafka.idempotent | quote }}
- name: FLOWMESH_KAFKA_PARTITIONS
  value: {{ .Values.kafka.partitions | int64 | quote }}
- name: FLOWMESH_KAFKA_REPLICATION_FACTOR
  value: {{ .Values.kafka.replicationFactor | int64 | quote }}
- name: FLOWMESH_KAFKA_TLS
  value: {{ .Values.kafka.tls.enabled | quote }}
{{- if .Values.kafka.tls.insecure }}
- name: FLOWMESH_KAFKA_TLS_INSECURE
  value: "true"
{{- end }}
{{- if .Values.kafka.tls.caSecret }}
- name: FLOWMESH_KAFKA_TLS_CA
  value: {{ printf "/etc/flowmesh/kafka-ca/%s" .Values.kafka.tls.caKey | quote }}
{{- end }}
{{- if .Values.kafka.tls.clientCertSecret }}
- name: FLOWMESH_KAFKA_TLS_CERT
  value: /etc/flowmesh/kafka-client/tls.crt
- name: FLOWMESH_KAFKA_TLS_KEY
  value: /etc/flowmesh/kafka-client/tls.key
{{- end }}
- name: FLOWMESH_KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
{{- if ne .Values.kafka.sasl.mechanism "none" }}
- name: FLOWMESH_KAFKA_SASL_USERNAME
  valueFrom: { secretKeyRef: { name: {{ .Values.kafka.sasl.existingSecret | quote }}, key: {{ .Values.kafka.sasl.usernameKey | quote }} } }
- name: FLOWMESH_KAFKA_SASL_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ .Values.kafka.sasl.existingSecret | quote }}, key: {{ .Values.kafka.sasl.passwordKey | quote }} } }
{{- end }}
- name: FLOWMESH_SCHEMA_REGISTRY_URL
  value: {{ .Values.schemaRegistry.url | quote }}
{{- if .Values.schemaRegistry.existingSecret }}
- name: FLOWMESH_SCHEMA_REGISTRY_USERNAME
  valueFrom: { secretKeyRef: { name: {{ .Values.schemaRegistry.existingSecret | quote }}, key: {{ .Values.schemaRegistry.usernameKey | quote }} } }
- name: FLOWMESH_SCHEMA_REGISTRY_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ .Values.schemaRegistry.existingSecret | quote }}, key: {{ .Values.schemaRegistry.passwordKey | quote }} } }
{{- end }}
{{- end -}}

{{/* The kubemeta view in Redis: URL, auth from an existing Secret, key prefix. */}}
{{- define "flowmesh.redisEnv" -}}
- name: FLOWMESH_REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- if .Values.redis.existingSecret }}
# The user is optional: a password alone is Redis' default user.
- name: FLOWMESH_REDIS_USERNAME
  valueFrom: { secretKeyRef: { name: {{ .Values.redis.existingSecret | quote }}, key: {{ .Values.redis.usernameKey | quote }}, optional: true } }
- name: FLOWMESH_REDIS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ .Values.redis.existingSecret | quote }}, key: {{ .Values.redis.passwordKey | quote }} } }
{{- end }}
- name: FLOWMESH_VIEW_PREFIX
  value: {{ .Values.redis.viewPrefix | quote }}
{{- end -}}

{{/* Settings every service takes: the HTTP port and the log level. Needs root and svc. */}}
{{- define "flowmesh.serviceEnv" -}}
- name: FLOWMESH_HTTP_PORT
  value: {{ .svc.port | int64 | quote }}
- name: FLOWMESH_LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- end -}}

{{/* A consumer stage's group (KEDA reads its lag by this name). Needs svc. */}}
{{- define "flowmesh.groupEnv" -}}
- name: FLOWMESH_GROUP_ID
  value: {{ .svc.groupId | quote }}
{{- end -}}

{{/* The subcommand, then the service's extra --flags. Needs command and svc. */}}
{{- define "flowmesh.args" -}}
args:
  - {{ .command }}
{{- range .svc.args }}
  - {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Ports, health probes, resources and the locked-down security context of a service container. Needs svc. */}}
{{- define "flowmesh.containerRuntime" -}}
ports:
  - name: http
    containerPort: {{ .svc.port }}
    protocol: TCP
livenessProbe:
  httpGet: { path: /healthz, port: http }
  initialDelaySeconds: 10
  periodSeconds: 15
  timeoutSeconds: 5
  failureThreshold: 4
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 10
  timeoutSeconds: 5
resources:
  {{- toYaml .svc.resources | nindent 2 }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: [ALL] }
{{- end -}}

{{/* Pod settings of the unprivileged services. Needs root and svc; serviceAccount only for the one that calls the API. */}}
{{- define "flowmesh.podCommon" -}}
{{- if .serviceAccount }}
serviceAccountName: {{ .serviceAccount }}
{{- else }}
automountServiceAccountToken: false
{{- end }}
# Longer than --shutdown-timeout-ms (30 s): in-flight records drain on SIGTERM.
terminationGracePeriodSeconds: 45
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  seccompProfile: { type: RuntimeDefault }
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Spread of a replicated stage over nodes and zones. Needs root and component. */}}
{{- define "flowmesh.topologySpread" -}}
{{- $spread := .root.Values.topologySpread -}}
{{- if $spread.enabled }}
topologySpreadConstraints:
{{- range $spread.topologyKeys }}
  - maxSkew: {{ $spread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $spread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "flowmesh.selectorLabels" $ | nindent 8 }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Volumes for /tmp and the Kafka TLS files. */}}
{{- define "flowmesh.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret: { secretName: {{ .Values.kafka.tls.caSecret | quote }} }
{{- end }}
{{- if .Values.kafka.tls.clientCertSecret }}
- name: kafka-client
  secret: { secretName: {{ .Values.kafka.tls.clientCertSecret | quote }} }
{{- end }}
{{- end -}}

{{- define "flowmesh.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/flowmesh/kafka-ca
  readOnly: true
{{- end }}
{{- if .Values.kafka.tls.clientCertSecret }}
- name: kafka-client
  mountPath: /etc/flowmesh/kafka-client
  readOnly: true
{{- end }}
{{- end -}}

{{/* Whether KEDA owns a stage's replica count. Needs root and component; prints "true" or nothing. */}}
{{- define "flowmesh.kedaScaled" -}}
{{- if and .root.Values.autoscaling.keda.enabled (has .component .root.Values.autoscaling.keda.stages) -}}true{{- end -}}
{{- end -}}

{{/* Each component and the values key of its settings (read with fromYaml). */}}
{{- define "flowmesh.components" -}}
agent: agent
joiner: joiner
enricher: enricher
metadata-sync: metadataSync
flow-metrics: flowMetrics
ipfix-export: ipfixExport
ui: ui
{{- end -}}

{{/* The stages that run as several replicas: PodDisruptionBudgets and topology spread. */}}
{{- define "flowmesh.replicatedStages" -}}
[joiner, enricher, metadata-sync, flow-metrics, ipfix-export, ui]
{{- end -}}

{{/* The chart's name, or nameOverride; Kubernetes names are at most 63 characters. */}}
{{- define "license-authority.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name of every object, or fullnameOverride. */}}
{{- define "license-authority.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "license-authority.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "license-authority.selectorLabels" -}}
app.kubernetes.io/name: {{ include "license-authority.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "license-authority.labels" -}}
{{ include "license-authority.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "license-authority.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "license-authority.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* A rolled pod for a changed ConfigMap, or for a Secret change announced by bumping secrets.revision. */}}
{{- define "license-authority.podAnnotations" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secrets: {{ toJson .Values.secrets | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod Security "restricted": non-root, RuntimeDefault seccomp, no privilege escalation, no capabilities. */}}
{{- define "license-authority.podSecurity" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{- define "license-authority.podSpecCommon" -}}
serviceAccountName: {{ include "license-authority.serviceAccountName" . }}
{{ include "license-authority.podSecurity" . }}
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
volumes:
  - name: signing-key
    secret:
      secretName: {{ .Values.secrets.signingKey.name }}
      defaultMode: 0400
      items:
        - key: {{ .Values.secrets.signingKey.key }}
          path: private-key.pem
  {{- with .Values.secrets.nextSigningKey }}
  {{- if .name }}
  - name: next-signing-key
    secret:
      secretName: {{ .name }}
      defaultMode: 0400
      items:
        - key: {{ .key }}
          path: private-key.pem
  {{- end }}
  {{- end }}
  - name: data
    emptyDir: {}
{{- end }}

{{/* Set by the chart, not by values: the port, the key file, the data directory, the metrics port, migrations off (the hook Job runs them). */}}
{{- define "license-authority.containerCommon" -}}
image: "{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - configMapRef:
      name: {{ include "license-authority.fullname" . }}-env
  - secretRef:
      name: {{ .Values.secrets.environment.name }}
env:
  - name: PORT
    value: '3000'
  - name: CP_LICENSE_PRIVATE_KEY_FILE
    value: /run/secrets/license-authority/private-key.pem
  {{- if .Values.secrets.nextSigningKey.name }}
  - name: CP_LICENSE_NEXT_PRIVATE_KEY_FILE
    value: /run/secrets/license-authority-next/private-key.pem
  {{- end }}
  - name: DATA_DIR
    value: /app/data
  - name: METRICS_PORT
    value: {{ .Values.metrics.port | quote }}
  - name: MIGRATIONS_RUN_AT_BOOT
    value: 'false'
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: signing-key
    mountPath: /run/secrets/license-authority
    readOnly: true
  {{- if .Values.secrets.nextSigningKey.name }}
  - name: next-signing-key
    mountPath: /run/secrets/license-authority-next
    readOnly: true
  {{- end }}
  - name: data
    mountPath: /app/data
{{- end }}

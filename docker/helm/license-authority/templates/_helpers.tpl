{{- define "license-authority.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- define "license-authority.podSpecCommon" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  fsGroup: 1000
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
volumes:
  - name: signing-key
    secret:
      secretName: {{ .Values.secrets.signingKey.name }}
      defaultMode: 0400
      items:
        - key: {{ .Values.secrets.signingKey.key }}
          path: private-key.pem
  - name: data
    emptyDir: {}
{{- end }}

{{- define "license-authority.containerCommon" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - configMapRef:
      name: {{ .Release.Name }}-env
  - secretRef:
      name: {{ .Values.secrets.environment.name }}
env:
  - name: CP_LICENSE_PRIVATE_KEY_FILE
    value: /run/secrets/license-authority/private-key.pem
  - name: DATA_DIR
    value: /app/data
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: ['ALL']
volumeMounts:
  - name: signing-key
    mountPath: /run/secrets/license-authority
    readOnly: true
  - name: data
    mountPath: /app/data
{{- end }}

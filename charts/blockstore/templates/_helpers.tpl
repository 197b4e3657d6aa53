{{- define "blockstore.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "blockstore.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "blockstore.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "blockstore.image" -}}
{{- printf "%s%s:%s" .root.Values.image.registry .name (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/* Environment shared by api and worker: settings from the ConfigMap, secrets from the Secret. Only the worker
     reaches RabbitMQ (worker.yaml adds RabbitMq__Uri): the API commits to the outbox, and workers publish it. */}}
{{- define "blockstore.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "blockstore.fullname" . }}
env:
  - name: ConnectionStrings__BlockStore
    valueFrom:
      secretKeyRef:
        name: {{ include "blockstore.fullname" . }}
        key: connectionString
  - name: Ceph__Key
    valueFrom:
      secretKeyRef:
        name: {{ include "blockstore.fullname" . }}
        key: cephKey
{{- if eq .Values.auth.mode "keystone" }}
  - name: Auth__Keystone__ServicePassword
    valueFrom:
      secretKeyRef:
        name: {{ include "blockstore.fullname" . }}
        key: keystonePassword
{{- end }}
{{- end -}}

{{- define "blockstore.volumeMounts" -}}
volumeMounts:
  - name: ceph
    mountPath: /etc/blockstore/ceph
    readOnly: true
{{- if .Values.fileBackend.existingClaim }}
  - name: file-volumes
    mountPath: {{ .Values.fileBackend.path }}
{{- end }}
{{- end -}}

{{- define "blockstore.volumes" -}}
volumes:
  - name: ceph
    secret:
      secretName: {{ include "blockstore.fullname" . }}
      items:
        - key: client.conf
          path: client.conf
        - key: keyring
          path: client.{{ .Values.ceph.user }}.keyring
{{- if .Values.fileBackend.existingClaim }}
  - name: file-volumes
    persistentVolumeClaim:
      claimName: {{ .Values.fileBackend.existingClaim }}
{{- end }}
{{- end -}}

//! Authored sample objects: together they set every property of the three CRD schemas.

/// A Canary that sets every field of the schema at least once.
pub(super) const FULL_CANARY: &str = r#"
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  provider: istio
  metricsServer: http://prometheus.istio-system:9090
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  autoscalerRef:
    apiVersion: keda.sh/v1alpha1
    kind: ScaledObject
    name: podinfo-so
    primaryScalerQueries:
      prom-trigger: sum(rate(http_requests_total{deployment="podinfo-primary"}[2m]))
    primaryScalerReplicas:
      minReplicas: 2
      maxReplicas: 5
  ingressRef:
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    name: podinfo
  routeRef:
    apiVersion: apisix.apache.org/v2
    kind: ApisixRoute
    name: podinfo
  upstreamRef:
    apiVersion: gloo.solo.io/v1
    kind: Upstream
    name: podinfo-upstream
    namespace: gloo-system
  progressDeadlineSeconds: 60
  skipAnalysis: false
  revertOnDeletion: true
  suspend: false
  service:
    name: podinfo-svc
    port: 9898
    portName: http-podinfo
    appProtocol: http
    trafficDistribution: PreferClose
    targetPort: http
    portDiscovery: true
    headless: false
    timeout: 30s
    backendTimeout: 10s
    meshName: global
    backends:
      - backend1
    hosts:
      - app.example.com
    delegation: false
    gateways:
      - public-gateway.istio-system.svc.cluster.local
      - mesh
    gatewayRefs:
      - name: podinfo
        namespace: gateway
        group: gateway.networking.k8s.io
        kind: Gateway
        sectionName: https
        port: 443
    match:
      - name: api
        uri:
          prefix: /api
        scheme:
          exact: https
        method:
          regex: GET|POST
        authority:
          exact: app.example.com
        headers:
          x-canary:
            exact: insider
        port: 8080
        sourceLabels:
          app: frontend
        gateways:
          - mesh
        queryParams:
          debug:
            exact: "true"
        ignoreUriCase: true
        withoutHeaders:
          x-skip: {}
        sourceNamespace: frontend
    retries:
      attempts: 3
      perTryTimeout: 1s
      retryOn: gateway-error,connect-failure,refused-stream
    rewrite:
      uri: /
      authority: podinfo.internal
      type: ReplacePrefixMatch
    mirror:
      - backendRef:
          name: podinfo-shadow
          namespace: test
          group: ""
          kind: Service
          port: 9898
    headers:
      request:
        add:
          x-some-header: value
        set:
          x-other: other
        remove:
          - x-drop
      response:
        add:
          x-served-by: canary
        set:
          x-version: v2
        remove:
          - x-internal
    corsPolicy:
      allowOrigin:
        - example.com
      allowOrigins:
        - exact: https://example.com
        - prefix: https://app.
        - regex: ".*\\.example\\.org"
      allowMethods:
        - GET
        - POST
      allowHeaders:
        - x-some-header
      exposeHeaders:
        - x-exposed
      maxAge: 24h
      allowCredentials: true
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpCookie:
            name: user
            path: /
            ttl: 0s
          minimumRingSize: 1024
        localityLbSetting:
          enabled: true
          distribute:
            - from: us-west/zone1/*
              to:
                us-west/zone1/*: 80
                us-west/zone2/*: 20
          failover:
            - from: us-east
              to: eu-west
        warmupDurationSecs: 30s
      connectionPool:
        http:
          h2UpgradePolicy: UPGRADE
          http1MaxPendingRequests: 1024
          http2MaxRequests: 1024
          idleTimeout: 1h
          maxRequestsPerConnection: 10
          maxRetries: 3
      outlierDetection:
        baseEjectionTime: 30s
        consecutive5xxErrors: 5
        consecutiveErrors: 5
        consecutiveGatewayErrors: 3
        consecutiveLocalOriginFailures: 2
        interval: 10s
        maxEjectionPercent: 50
        minHealthPercent: 30
        splitExternalLocalOriginErrors: true
      tls:
        mode: MUTUAL
        clientCertificate: /etc/certs/cert.pem
        privateKey: /etc/certs/key.pem
        caCertificates: /etc/certs/ca.pem
        subjectAltNames:
          - podinfo.test
        sni: podinfo.test
    apex:
      labels:
        tier: apex
      annotations:
        note: apex
    primary:
      labels:
        tier: primary
      annotations:
        note: primary
    canary:
      labels:
        tier: canary
      annotations:
        note: canary
    unmanagedMetadata:
      annotations:
        - kubectl.kubernetes.io/last-applied-configuration
      labels:
        - team
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    stepWeightPromotion: 25
    mirror: false
    mirrorWeight: 10
    primaryReadyThreshold: 90
    canaryReadyThreshold: 80
    match:
      - headers:
          x-canary:
            exact: insider
          cookie:
            regex: "^(.*?;)?(canary=always)(;.*)?$"
          user-agent:
            suffix: Firefox
          x-region:
            prefix: eu-
        queryParams:
          canary:
            exact: "1"
        sourceLabels:
          app: frontend
    metrics:
      - name: request-success-rate
        interval: 1m
        thresholdRange:
          min: 99
      - name: request-duration
        interval: 30s
        threshold: 500
        thresholdRange:
          max: 500.5
      - name: error-rate
        query: sum(rate(errors[1m]))
        templateRef:
          name: error-rate
          namespace: istio-system
        templateVariables:
          route: podinfo
    alerts:
      - name: on-call
        severity: error
        providerRef:
          name: on-call
          namespace: flagger
      - name: dev-team
        providerRef:
          name: dev-team
    webhooks:
      - name: gate
        type: confirm-rollout
        url: http://flagger-loadtester.test/gate/approve
      - name: acceptance-test
        type: pre-rollout
        url: http://flagger-loadtester.test/
        timeout: 30s
        retries: 3
        disableTLS: true
        muteAlert: true
        metadata:
          type: bash
          cmd: curl -sd 'test' http://podinfo-canary:9898/token | grep token
      - name: load-test
        url: http://flagger-loadtester.test/
        metadata:
          cmd: hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/
      - name: legacy
        type: ""
        url: http://legacy.test/
      - name: rollout
        type: rollout
        url: http://flagger-loadtester.test/
      - name: promotion-gate
        type: confirm-promotion
        url: http://flagger-loadtester.test/gate/check
      - name: notify
        type: post-rollout
        url: http://notify.test/
      - name: events
        type: event
        url: http://events.test/
      - name: rollback
        type: rollback
        url: http://flagger-loadtester.test/rollback/check
      - name: traffic-gate
        type: confirm-traffic-increase
        url: http://flagger-loadtester.test/gate/check
    sessionAffinity:
      cookieName: flagger-cookie
      primaryCookieName: primary-cookie
      domain: example.com
      httpOnly: true
      maxAge: 21600
      partitioned: true
      path: /
      sameSite: Strict
      secure: true
status:
  phase: Progressing
  failedChecks: 1
  canaryWeight: 20
  iterations: 0
  previousSessionAffinityCookie: flagger-cookie=prev
  sessionAffinityCookie: flagger-cookie=abc
  primarySessionAffinityCookie: primary-cookie=def
  trackedConfigs:
    configmap/podinfo-config: 5b4b7d5c8f
    secret/podinfo-secret: 6c9f8d7e6a
  lastAppliedSpec: 5d8c9f7b6d
  lastPromotedSpec: 7c6d5b4a3f
  lastTransitionTime: "2024-05-01T10:00:00Z"
  conditions:
    - type: Promoted
      status: Unknown
      lastUpdateTime: "2024-05-01T10:00:00Z"
      lastTransitionTime: "2024-05-01T09:00:00Z"
      reason: Progressing
      message: New revision detected, progressing canary analysis.
"#;

/// Variants of the enums and one-of alternatives the full sample does not use.
pub(super) const MORE_CANARIES: &str = r#"
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: bluegreen
spec:
  provider: kubernetes
  targetRef:
    apiVersion: apps/v1
    kind: DaemonSet
    name: agent
  autoscalerRef:
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    name: agent
  service:
    port: 80
    targetPort: 8080
    trafficPolicy:
      loadBalancer:
        simple: LEAST_REQUEST
      tls:
        mode: ISTIO_MUTUAL
  analysis:
    interval: 30s
    threshold: 2
    iterations: 10
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: knative
spec:
  provider: "gatewayapi:v1"
  targetRef:
    apiVersion: serving.knative.dev/v1
    kind: Service
    name: podinfo
  service:
    port: 9898
    trafficPolicy:
      loadBalancer:
        consistentHash:
          useSourceIp: true
  analysis:
    interval: 1m
    threshold: 1
    stepWeights: [5, 10]
status:
  phase: ""
  failedChecks: 0
  canaryWeight: 0
  iterations: 0
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: matches
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
    match:
      - uri:
          exact: /healthz
        scheme:
          prefix: http
        method:
          exact: GET
        authority:
          prefix: app.
      - uri:
          regex: "^/v[0-9]+/"
        scheme:
          regex: "^https?$"
        method:
          prefix: P
        authority:
          regex: ".*\\.example\\.com"
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpHeaderName: x-user
  analysis:
    interval: 2m
    threshold: 3
    stepWeight: 20
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: query-hash
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpQueryParameterName: user
  analysis:
    interval: 1m
    threshold: 1
    iterations: 5
"#;

pub(super) const METRIC_TEMPLATES: &str = r#"
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: error-rate
  namespace: istio-system
spec:
  provider:
    type: prometheus
    address: http://prometheus.istio-system:9090
    headers:
      X-Scope-OrgID:
        - tenant-1
      Accept:
        - application/json
        - text/plain
    secretRef:
      name: prom-auth
    region: eu-west-1
    insecureSkipVerify: true
  query: |
    100 - sum(rate(istio_requests_total{destination_workload_namespace="{{ namespace }}",response_code!="404"}[{{ interval }}]))
status:
  conditions:
    - type: Ready
      status: "True"
      lastUpdateTime: "2024-05-01T10:00:00Z"
      lastTransitionTime: "2024-05-01T10:00:00Z"
      reason: Valid
      message: ok
---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: cloudwatch
spec:
  provider:
    type: cloudwatch
    region: us-east-1
  query: "[]"
"#;

pub(super) const ALERT_PROVIDERS: &str = r#"
apiVersion: flagger.app/v1beta1
kind: AlertProvider
metadata:
  name: on-call
  namespace: flagger
spec:
  type: slack
  channel: on-call-alerts
  username: flagger
  address: https://hooks.slack.com/services/YOUR/SLACK/WEBHOOK
  proxy: http://my-http-proxy.com
---
apiVersion: flagger.app/v1beta1
kind: AlertProvider
metadata:
  name: msteams
spec:
  type: msteams
  secretRef:
    name: ms-teams-webhook
status:
  conditions:
    - type: Ready
      status: "True"
"#;

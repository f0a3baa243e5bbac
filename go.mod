module github.com/gopreflight/gopreflight

go 1.23.0

require (
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/miekg/dns v1.1.62
	github.com/prometheus/client_model v0.6.1
	github.com/prometheus/common v0.62.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2
	github.com/sethvargo/go-githubactions v1.3.2
	golang.org/x/crypto/x509roots/fallback v0.0.0-20240904212608-c9da6b9a4008
	golang.org/x/mod v0.24.0
	golang.org/x/net v0.38.0
	golang.org/x/tools v0.22.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	golang.org/x/sync v0.12.0 // indirect
	golang.org/x/sys v0.31.0 // indirect
	golang.org/x/text v0.23.0 // indirect
	google.golang.org/protobuf v1.36.1 // indirect
)

module github.com/gopreflight/gopreflight

go 1.23.0

require (
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/miekg/dns v1.1.62
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2
	github.com/sethvargo/go-githubactions v1.3.2
	golang.org/x/mod v0.24.0
	golang.org/x/net v0.38.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	golang.org/x/sync v0.12.0 // indirect
	golang.org/x/sys v0.31.0 // indirect
	golang.org/x/text v0.23.0 // indirect
	golang.org/x/tools v0.22.0 // indirect
)

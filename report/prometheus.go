package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
)

// Prometheus writes the metrics of contract §10 in the text exposition
// format (version 0.0.4), for node_exporter's textfile collector or a
// Pushgateway. Every family is written with its HELP and TYPE lines, even
// when it has no sample, so that a scrape always shows the same names.
func Prometheus(w io.Writer, r *Report) error {
	b := &errWriter{w: w}
	fam := func(name, typ, help string) {
		b.printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	sample := func(name string, v float64, labels ...string) {
		b.printf("%s%s %s\n", name, promLabels(labels), promFloat(v))
	}

	fam("gopreflight_endpoint_up", "gauge", "1 when the endpoint gave a protocol answer this run, 0 when not.")
	for _, e := range r.Endpoints {
		sample("gopreflight_endpoint_up", promBool(e.Reachable), "url", e.URL, "role", string(e.Role))
	}
	fam("gopreflight_endpoint_latency_seconds", "gauge", "Request latency to the endpoint this run, by quantile (1 is the maximum).")
	for _, e := range r.Endpoints {
		for _, q := range []struct {
			label string
			ms    float64
		}{{"0.5", e.Latency.P50}, {"0.95", e.Latency.P95}, {"1", e.Latency.Max}} {
			sample("gopreflight_endpoint_latency_seconds", q.ms/1000, "url", e.URL, "role", string(e.Role), "quantile", q.label)
		}
	}
	fam("gopreflight_endpoint_requests_total", "counter", "Requests sent to the endpoint this run.")
	for _, e := range r.Endpoints {
		sample("gopreflight_endpoint_requests_total", float64(e.Requests), "url", e.URL, "role", string(e.Role))
	}
	fam("gopreflight_endpoint_failures_total", "counter", "Failed requests to the endpoint this run, by cause.")
	for _, e := range r.Endpoints {
		byCause := failureCauses(e)
		for _, c := range sortedCauses(byCause) {
			sample("gopreflight_endpoint_failures_total", float64(byCause[c]), "url", e.URL, "role", string(e.Role), "cause", string(c))
		}
	}
	fam("gopreflight_proxy_complete", "gauge", "1 when the proxy has every needed module version.")
	for _, k := range r.Ranking {
		sample("gopreflight_proxy_complete", promBool(k.Complete), "url", k.URL)
	}
	fam("gopreflight_proxy_missing_versions", "gauge", "Needed module versions the proxy lacks.")
	for _, k := range r.Ranking {
		sample("gopreflight_proxy_missing_versions", float64(len(k.Missing)), "url", k.URL)
	}
	fam("gopreflight_modules", "gauge", "Module versions of the build by status.")
	for _, s := range Statuses {
		sample("gopreflight_modules", float64(r.Summary.Count(s)), "status", string(s))
	}
	fam("gopreflight_passed", "gauge", "1 when the gate passed.")
	sample("gopreflight_passed", promBool(r.Summary.Passed))
	fam("gopreflight_run_duration_seconds", "gauge", "Wall time of the run.")
	sample("gopreflight_run_duration_seconds", float64(r.DurationMS)/1000)
	fam("gopreflight_last_run_timestamp_seconds", "gauge", "Unix time the run ended.")
	end := r.Started.UnixMilli() + r.DurationMS
	sample("gopreflight_last_run_timestamp_seconds", float64(end)/1000)
	return b.err
}

// failureCauses is an endpoint's failures by cause. A report without the
// split (one read back from an older JSON file) still yields one series,
// under the endpoint's cause, so that failures are never lost.
func failureCauses(e Endpoint) map[cause.Code]int {
	if len(e.FailureCauses) == 0 && e.Failures > 0 {
		return map[cause.Code]int{e.Cause: e.Failures}
	}
	return e.FailureCauses
}

func sortedCauses(m map[cause.Code]int) []cause.Code {
	out := make([]cause.Code, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// promLabels formats name/value pairs; url values are redacted once more
// so that no credential reaches a metrics store even from a hand-made
// report.
func promLabels(kv []string) string {
	if len(kv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		v := kv[i+1]
		if kv[i] == "url" {
			v = goenv.Redact(v)
		}
		fmt.Fprintf(&b, "%s=\"%s\"", kv[i], labelEscaper.Replace(v))
	}
	b.WriteByte('}')
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func promFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func promBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

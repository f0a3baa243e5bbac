package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFSchema validates the SARIF output against the OASIS 2.1.0
// schema (testdata, from oasis-tcs/sarif-spec) and checks that each
// result sits on its module's go.mod line.
func TestSARIFSchema(t *testing.T) {
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Report{
		"failing": sampleReport(t.TempDir()), "empty": {Schema: Schema},
		"relative": func() *Report { r := sampleReport("sub dir"); return r }(),
	} {
		var b bytes.Buffer
		if err := SARIF(&b, r); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: SARIF does not validate: %v\n%s", name, err, b.String())
		}
		if name != "relative" {
			continue
		}
		var log struct {
			Runs []struct {
				Tool struct {
					Driver struct{ Rules []struct{ ID string } }
				}
				Results []struct {
					RuleID    string
					Level     string
					Message   struct{ Text string }
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI, URIBaseID string }
							Region           struct{ StartLine, StartColumn int }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(b.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		run := log.Runs[0]
		var rules []string
		for _, r := range run.Tool.Driver.Rules {
			rules = append(rules, r.ID)
		}
		if got := strings.Join(rules, " "); got != "mirror_lag not_found tls_unknown_authority" {
			t.Errorf("rules = %s", got)
		}
		type res struct {
			rule, level, uri string
			line, col        int
		}
		var got []res
		for _, r := range run.Results {
			l := r.Locations[0].PhysicalLocation
			got = append(got, res{r.RuleID, r.Level, l.ArtifactLocation.URI, l.Region.StartLine, l.Region.StartColumn})
			if l.ArtifactLocation.URIBaseID != "%SRCROOT%" {
				t.Errorf("result %s: uriBaseId %q", r.RuleID, l.ArtifactLocation.URIBaseID)
			}
		}
		want := []res{
			{"not_found", "error", "sub%20dir/go.mod", 7, 2},
			{"tls_unknown_authority", "error", "sub%20dir/go.mod", 9, 2},
			{"mirror_lag", "warning", "sub%20dir/go.mod", 6, 2},
		}
		if len(got) != len(want) {
			t.Fatalf("results %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if !strings.Contains(run.Results[0].Message.Text, "example.test/typo@v1.9.9: not_found") {
			t.Errorf("message %q", run.Results[0].Message.Text)
		}
	}
}

func TestJUnitParsesBack(t *testing.T) {
	r := sampleReport("proj")
	r.Modules[1].Detail = "bad \x00 byte ]]> & <tag>"
	var b bytes.Buffer
	if err := JUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				File    string `xml:"file,attr"`
				Line    int    `xml:"line,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, b.String())
	}
	if doc.Tests != 4 || doc.Failures != 2 || len(doc.Suites) != 1 {
		t.Fatalf("tests=%d failures=%d suites=%d", doc.Tests, doc.Failures, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 4 || s.Failures != 2 || s.Skipped != 1 || len(s.Cases) != 4 {
		t.Errorf("suite %+v", s)
	}
	for _, c := range s.Cases {
		failed := c.Failure != nil
		switch c.Name {
		case "example.test/typo@v1.9.9":
			if !failed || c.Failure.Type != "not_found" || c.File != "proj/go.mod" || c.Line != 7 ||
				!strings.Contains(c.Failure.Text, "proj/go.mod:7:2: example.test/typo@v1.9.9: not_found") ||
				!strings.Contains(c.Failure.Text, "bad \uFFFD byte ]]> & <tag>") || !strings.Contains(c.Failure.Text, "fix: Check the version") {
				t.Errorf("typo case: %+v %+v", c, c.Failure)
			}
		case "corp.example/lib@v0.3.1":
			if !failed || c.Failure.Message != "unreachable: tls_unknown_authority" {
				t.Errorf("corp case: %+v", c.Failure)
			}
		case "example.test/good@v1.4.0":
			if failed || c.Skipped != nil {
				t.Errorf("good case failed or skipped")
			}
		case "example.test/local@v0.0.0":
			if failed || c.Skipped == nil {
				t.Errorf("local replace not skipped")
			}
		default:
			t.Errorf("unexpected case %q", c.Name)
		}
	}
}

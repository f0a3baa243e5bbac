package probe

import "testing"

func TestMozillaBundle(t *testing.T) {
	if len(mozillaBundle) < 50 {
		t.Fatalf("only %d roots", len(mozillaBundle))
	}
}

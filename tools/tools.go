//go:build tools

// Package tools pins the linters gopreflight's tests run, in a module of
// their own so that they stay out of the main module's graph (the graph
// the action checks) and build offline from tools/vendor.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"

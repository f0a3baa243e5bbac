//go:build !unix

package main

import "os"

// maxRSSKB is unknown here: the table shows no RSS.
func maxRSSKB(*os.ProcessState) int64 { return 0 }

//go:build race

package main

// raceEnabled: the race detector makes every step several times slower.
const raceEnabled = true

//go:build !race

package explain

const raceOn = false

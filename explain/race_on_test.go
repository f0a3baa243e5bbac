//go:build race

package explain

// raceOn: the race detector is on; its shadow memory and slowdown make
// memory and time bounds meaningless, so those tests run without it.
const raceOn = true

package stylize

import (
	"reflect"
	"testing"
)

func TestSchedule(t *testing.T) {
	auto := Schedule(Options{Size: 512, Iterations: 1000, Auto: true}.Defaults())
	want := []Scale{{128, 1000}, {181, 707}, {256, 500}, {362, 354}, {512, 250}}
	if !reflect.DeepEqual(auto, want) {
		t.Errorf("auto schedule for 512: %v, want %v", auto, want)
	}
	if s := Schedule(Options{Size: 100, Auto: true}.Defaults()); len(s) != 1 || s[0].Side != 100 {
		t.Errorf("auto schedule for 100: %v", s)
	}
	if s := Schedule(Options{Size: 300, Iterations: 10}.Defaults()); !reflect.DeepEqual(s, []Scale{{300, 10}}) {
		t.Errorf("single scale: %v", s)
	}
	if s := Schedule(Options{Size: 256, Iterations: 3, Scales: 3}.Defaults()); !reflect.DeepEqual(s, []Scale{{128, 3}, {181, 2}, {256, 2}}) {
		t.Errorf("3 scales: %v", s)
	}
}

package optim_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

func TestFloat64Space(t *testing.T) { optimtest.TestSpace(t, optim.Float64Space{}) }

func TestFloat32Space(t *testing.T) { optimtest.TestSpace(t, optim.Float32Space{}) }

func TestCountingSpace(t *testing.T) {
	optimtest.TestSpace(t, &optimtest.CountingSpace{Inner: optim.Float32Space{}})
}

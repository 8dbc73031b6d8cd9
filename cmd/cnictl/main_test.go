package main

import (
	"testing"

	"github.com/cnictl/cnictl/internal/hermetic"
)

func TestMain(m *testing.M) { hermetic.Main(m) }

package libcni

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/containernetworking/cni/pkg/types"
)

// CNI error codes (SPEC.md, section 5, "Error"). Codes 1-8 and 11 are the
// ones of pkg/types; 50 and 51 are the STATUS codes added in spec 1.1.0.
const (
	ErrCodeIncompatibleVersion = types.ErrIncompatibleCNIVersion
	ErrCodeUnsupportedField    = types.ErrUnsupportedField
	ErrCodeUnknownContainer    = types.ErrUnknownContainer
	ErrCodeInvalidParameters   = types.ErrInvalidEnvironmentVariables
	ErrCodeIOFailure           = types.ErrIOFailure
	ErrCodeDecodingFailure     = types.ErrDecodingFailure
	ErrCodeInvalidConfig       = types.ErrInvalidNetworkConfig
	ErrCodeTryAgainLater       = types.ErrTryAgainLater
	ErrCodePluginNotAvailable  = uint(50)
	ErrCodeLimitedConnectivity = uint(51)
)

// PluginRef names one plugin of a chain.
type PluginRef struct {
	// Index is the plugin's position in the network's "plugins" list.
	Index int
	// Type is the plugin's "type", the executable's name.
	Type string
}

func (p PluginRef) String() string { return fmt.Sprintf("plugin #%d type=%q", p.Index, p.Type) }

// Error is what every operation of this package returns on failure. It
// keeps the CNI error code, message and details that the plugin printed,
// and says where it happened: the verb, the network, the attachment and
// the plugin.
type Error struct {
	Verb        string
	Network     string
	ContainerID string
	IfName      string
	// Plugin is nil when the failure is not one plugin's.
	Plugin *PluginRef
	// Code, Msg and Details are the CNI error (Code 0 when the failure did
	// not come with one).
	Code    uint
	Msg     string
	Details string
	// Stderr is what the failing plugin wrote to its standard error.
	Stderr string
	// Timeout is set when the plugin was killed because it ran longer.
	Timeout time.Duration
	// Err is the underlying cause.
	Err error
	// Rollback is set when an ADD failed and deleting the partial
	// attachment failed too; RolledBack is true when that delete worked.
	Rollback   error
	RolledBack bool
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Verb != "" {
		b.WriteString(e.Verb + " ")
	}
	fmt.Fprintf(&b, "network %q", e.Network)
	if e.ContainerID != "" {
		fmt.Fprintf(&b, " container %q", e.ContainerID)
	}
	if e.IfName != "" {
		fmt.Fprintf(&b, " ifname %q", e.IfName)
	}
	if e.Plugin != nil {
		b.WriteString(": " + e.Plugin.String())
	}
	switch {
	case e.Timeout > 0:
		fmt.Fprintf(&b, ": timed out after %s and was killed", e.Timeout)
	case e.Msg != "":
		b.WriteString(": " + e.Msg)
		if e.Details != "" {
			b.WriteString(": " + e.Details)
		}
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " (CNI error code %d)", e.Code)
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		b.WriteString("; plugin stderr: " + s)
	}
	switch {
	case e.Rollback != nil:
		b.WriteString("; rollback (DEL) failed too: " + e.Rollback.Error())
	case e.RolledBack:
		b.WriteString("; the partial attachment was rolled back")
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As access to the cause and to the
// rollback error.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Rollback != nil {
		errs = append(errs, e.Rollback)
	}
	return errs
}

// AsCNIError returns the error as the spec's error object, for printing.
func (e *Error) AsCNIError() *types.Error {
	msg := e.Msg
	details := e.Details
	if msg == "" {
		msg = e.Error()
	} else {
		details = e.Error()
	}
	return &types.Error{Code: e.Code, Msg: msg, Details: details}
}

// CodeOf returns the CNI error code carried by err, or 0.
func CodeOf(err error) uint {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var te *types.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// ErrNotAttached is returned by CHECK when the attachment has no cached
// result to check against.
var ErrNotAttached = errors.New("not attached: no cached result")

// ErrAlreadyAttached is returned by ADD when the attachment exists already;
// DEL it first.
var ErrAlreadyAttached = errors.New("already attached: delete the attachment first")

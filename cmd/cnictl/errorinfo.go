package main

import (
	"errors"

	"github.com/cnictl/cnictl/libcni"
)

// errorInfo is an error as scripts read it in -o json output: the CNI
// error (code, msg, details) and where it happened.
type errorInfo struct {
	// Code is the CNI error code; 0 when the failure did not come with one.
	Code    uint   `json:"code"`
	Msg     string `json:"msg"`
	Details string `json:"details"`
	// Message is the whole error as the table output prints it, when it
	// says more than Msg.
	Message     string     `json:"message,omitempty"`
	Network     string     `json:"network,omitempty"`
	Plugin      *pluginRef `json:"plugin,omitempty"`
	Verb        string     `json:"verb,omitempty"`
	ContainerID string     `json:"containerID,omitempty"`
	IfName      string     `json:"ifName,omitempty"`
	// Stderr is what the failing plugin wrote to its standard error.
	Stderr string `json:"stderr,omitempty"`
	// RolledBack says that a failed ADD's partial attachment was deleted;
	// RollbackError says why deleting it failed.
	RolledBack    bool   `json:"rolledBack,omitempty"`
	RollbackError string `json:"rollbackError,omitempty"`
}

// pluginRef names one plugin of a network's chain.
type pluginRef struct {
	Index int    `json:"index"`
	Type  string `json:"type"`
}

// errorInfoOf describes err, filling in what a *libcni.Error or a
// *libcni.NotFoundError knows.
func errorInfoOf(err error) errorInfo {
	info := errorInfo{Code: libcni.CodeOf(err), Msg: err.Error()}
	var nf *libcni.NotFoundError
	if errors.As(err, &nf) {
		info.Network = nf.Name
	}
	var le *libcni.Error
	if !errors.As(err, &le) {
		return info
	}
	info.Network = le.Network
	info.Verb = le.Verb
	info.ContainerID = le.ContainerID
	info.IfName = le.IfName
	info.Stderr = le.Stderr
	info.RolledBack = le.RolledBack
	if le.Rollback != nil {
		info.RollbackError = le.Rollback.Error()
	}
	if le.Plugin != nil {
		info.Plugin = &pluginRef{Index: le.Plugin.Index, Type: le.Plugin.Type}
	}
	if le.Msg != "" {
		info.Msg = le.Msg
		info.Details = le.Details
	}
	if full := err.Error(); full != info.Msg {
		info.Message = full
	}
	return info
}

// errorInfoPtr is errorInfoOf for an optional field of a report.
func errorInfoPtr(err error) *errorInfo {
	info := errorInfoOf(err)
	return &info
}

// text is the whole error, as the table output shows it.
func (e *errorInfo) text() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Msg
}

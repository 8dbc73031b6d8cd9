package nftutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
)

// Records runs the verbs that work from a plugin's records alone, the same
// way for every plugin that records in its state directory what each
// attachment installed: DEL and GC need neither the container's namespace
// nor prevResult, and CHECK starts from the attachment's record. Rec is the
// plugin's record of an attachment, R its connection to its tables.
type Records[Rec any, R interface{ Close() }] struct {
	// Plugin names the plugin in messages, and its state directory.
	Plugin string
	// Connect opens the connection to the plugin's tables.
	Connect func() (R, error)
	// Uninstall removes what rec installed, then rec.
	Uninstall func(s *Store, r R, rec *Rec) error
	// NotRecorded is CHECK's error when ADD left no record.
	NotRecorded error
}

// AttachmentOf is the attachment a command on network is about.
func AttachmentOf(network string, args *skel.CmdArgs) Attachment {
	return Attachment{Network: network, ContainerID: args.ContainerID, IfName: args.IfName}
}

// CmdDel is the plugin's DEL: it removes what the attachment's ADD
// installed. Deleting an attachment the plugin does not know succeeds.
func (p Records[Rec, R]) CmdDel(args *skel.CmdArgs) error {
	var nc types.PluginConf
	if err := json.Unmarshal(args.StdinData, &nc); err != nil {
		return types.NewError(types.ErrDecodingFailure,
			fmt.Sprintf("%s: decoding the network configuration: %v", p.Plugin, err), "")
	}
	a := AttachmentOf(nc.Name, args)
	if err := p.Del(a); err != nil {
		return fmt.Errorf("%s: %s: %w", p.Plugin, a, err)
	}
	return nil
}

// Del removes what a installed.
func (p Records[Rec, R]) Del(a Attachment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	s, err := Open(StateDir(p.Plugin), false)
	if errors.Is(err, ErrNoState) {
		return nil
	}
	if err != nil {
		return err
	}
	defer s.Close()
	var rec Rec
	ok, err := s.ReadRecord(a, &rec)
	if err != nil || !ok {
		return err
	}
	r, err := p.Connect()
	if err != nil {
		return err
	}
	defer r.Close()
	return p.Uninstall(s, r, &rec)
}

// GC removes what every attachment of network that is not in valid
// installed.
func (p Records[Rec, R]) GC(network string, valid []types.GCAttachment) error {
	if err := p.gc(network, valid); err != nil {
		return fmt.Errorf("%s: network %q: garbage collection: %w", p.Plugin, network, err)
	}
	return nil
}

// gc is GC, without naming the plugin and the network in its error.
func (p Records[Rec, R]) gc(network string, valid []types.GCAttachment) error {
	s, err := Open(StateDir(p.Plugin), false)
	if errors.Is(err, ErrNoState) {
		return nil
	}
	if err != nil {
		return err
	}
	defer s.Close()
	as, err := s.Attachments(network)
	if err != nil || len(as) == 0 {
		return err
	}
	r, err := p.Connect()
	if err != nil {
		return err
	}
	defer r.Close()
	var errs []error
	for _, a := range as {
		keep := slices.ContainsFunc(valid, func(v types.GCAttachment) bool {
			return v.ContainerID == a.ContainerID && v.IfName == a.IfName
		})
		if keep {
			continue
		}
		var rec Rec
		ok, err := s.ReadRecord(a, &rec)
		if err == nil && ok {
			err = p.Uninstall(s, r, &rec)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a, err))
		}
	}
	return errors.Join(errs...)
}

// Check runs check on a's record, with the state directory locked and a
// connection to the plugin's tables; NotRecorded if a has no record.
func (p Records[Rec, R]) Check(a Attachment, check func(s *Store, r R, got *Rec) error) error {
	s, err := Open(StateDir(p.Plugin), false)
	if errors.Is(err, ErrNoState) {
		return p.NotRecorded
	}
	if err != nil {
		return err
	}
	defer s.Close()
	var got Rec
	ok, err := s.ReadRecord(a, &got)
	if err != nil {
		return err
	}
	if !ok {
		return p.NotRecorded
	}
	r, err := p.Connect()
	if err != nil {
		return err
	}
	defer r.Close()
	return check(s, r, &got)
}

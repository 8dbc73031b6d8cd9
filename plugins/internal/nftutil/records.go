package nftutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
)

// Records runs the verbs of a chained plugin that records in its state
// directory what each attachment installed, the same way for every such
// plugin: ADD replaces the attachment's record and what it installed, DEL
// and GC need neither the container's namespace nor prevResult, and CHECK
// starts from the attachment's record. Rec is the plugin's record of an
// attachment, R its connection to its tables.
type Records[Rec any, R interface{ Close() }] struct {
	// Plugin names the plugin in messages, and its state directory.
	Plugin string
	// Connect opens the connection to the plugin's tables.
	Connect func() (R, error)
	// Uninstall removes what rec installed, then rec.
	Uninstall func(s *Store, r R, rec *Rec) error
	// NoPrevResult is the error of ADD and CHECK when the runtime passed
	// no prevResult.
	NoPrevResult error
	// NotRecorded is CHECK's error when ADD left no record.
	NotRecorded error
}

// Decode decodes the network configuration data into v; its error is a
// CNI error of code 6 (ErrDecodingFailure) naming the plugin.
func (p Records[Rec, R]) Decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return types.NewError(types.ErrDecodingFailure,
			fmt.Sprintf("%s: decoding the network configuration: %v", p.Plugin, err), "")
	}
	return nil
}

// Invalid is the error of an invalid configuration of network: a CNI
// error of code 7 (ErrInvalidNetworkConfig) naming the plugin and the
// network.
func (p Records[Rec, R]) Invalid(network string, err error) error {
	return types.NewError(types.ErrInvalidNetworkConfig,
		fmt.Sprintf("%s: network %q: invalid configuration: %v", p.Plugin, network, err), "")
}

// Chained runs fn, the work of ADD or CHECK, on the attachment of args on
// network, unless the runtime passed no prevResult (hasPrev false): then
// the error is NoPrevResult. Errors name the plugin and the attachment.
func (p Records[Rec, R]) Chained(network string, args *skel.CmdArgs, hasPrev bool, fn func(a Attachment) error) error {
	a := AttachmentOf(network, args)
	if !hasPrev {
		return fmt.Errorf("%s: %s: %w", p.Plugin, a, p.NoPrevResult)
	}
	if err := fn(a); err != nil {
		return fmt.Errorf("%s: %s: %w", p.Plugin, a, err)
	}
	return nil
}

// Add replaces what a installed, if anything, with rec: it uninstalls a's
// record, then runs install, which records rec and installs what it says;
// if install fails, Uninstall removes whatever it did. A nil install means
// that a wants nothing installed: then, without a record to replace, Add
// does not even create the state directory.
func (p Records[Rec, R]) Add(a Attachment, rec *Rec, install func(s *Store, r R) error) error {
	if err := a.Validate(); err != nil {
		return err
	}
	err := Locked(p.Plugin, install != nil, p.Connect, func(s *Store, r R) error {
		var old Rec
		ok, err := s.ReadRecord(a, &old)
		if err != nil {
			return err
		}
		if ok {
			if err := p.Uninstall(s, r, &old); err != nil {
				return fmt.Errorf("removing what the previous ADD installed: %w", err)
			}
		}
		if install == nil {
			return nil
		}
		if err := install(s, r); err != nil {
			if undoErr := p.Uninstall(s, r, rec); undoErr != nil {
				err = errors.Join(err, fmt.Errorf("removing what was set up: %w", undoErr))
			}
			return err
		}
		return nil
	})
	if errors.Is(err, ErrNoState) {
		return nil
	}
	return err
}

// CmdDel is the plugin's DEL: it removes what the attachment's ADD
// installed. Deleting an attachment the plugin does not know succeeds.
func (p Records[Rec, R]) CmdDel(args *skel.CmdArgs) error {
	var nc types.PluginConf
	if err := p.Decode(args.StdinData, &nc); err != nil {
		return err
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
	err := Locked(p.Plugin, false, p.Connect, func(s *Store, r R) error {
		var rec Rec
		ok, err := s.ReadRecord(a, &rec)
		if err != nil || !ok {
			return err
		}
		return p.Uninstall(s, r, &rec)
	})
	if errors.Is(err, ErrNoState) {
		return nil
	}
	return err
}

// GC removes what every attachment of network that is not in valid
// installed.
func (p Records[Rec, R]) GC(network string, valid []types.GCAttachment) error {
	err := Locked(p.Plugin, false, p.Connect, func(s *Store, r R) error {
		as, err := s.Attachments(network)
		if err != nil {
			return err
		}
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
	})
	if err != nil && !errors.Is(err, ErrNoState) {
		return fmt.Errorf("%s: network %q: garbage collection: %w", p.Plugin, network, err)
	}
	return nil
}

// Check runs check on a's record, with the state directory locked and a
// connection to the plugin's tables; NotRecorded if a has no record.
func (p Records[Rec, R]) Check(a Attachment, check func(s *Store, r R, got *Rec) error) error {
	if err := a.Validate(); err != nil {
		return err
	}
	err := Locked(p.Plugin, false, p.Connect, func(s *Store, r R) error {
		var got Rec
		ok, err := s.ReadRecord(a, &got)
		if err != nil {
			return err
		}
		if !ok {
			return p.NotRecorded
		}
		return check(s, r, &got)
	})
	if errors.Is(err, ErrNoState) {
		return p.NotRecorded
	}
	return err
}

package tuning

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// backup is what ADD found before changing it. It is the reference
// plugin's backup file, <dataDir>/<containerID>_<ifname>.json, which the
// reference's DEL can restore too, with three additions that it ignores:
// the sysctls and the attachment, so that GC can tell the backups of its
// network.
type backup struct {
	Mac      string `json:"mac,omitempty"`
	Promisc  *bool  `json:"promisc,omitempty"`
	Mtu      int    `json:"mtu,omitempty"`
	Allmulti *bool  `json:"allmulti,omitempty"`
	TxQLen   *int   `json:"txQLen,omitempty"`
	// Sysctl maps files below /proc/sys to their original values.
	Sysctl map[string]string `json:"sysctl,omitempty"`

	Network     string `json:"network,omitempty"`
	ContainerID string `json:"containerID,omitempty"`
	IfName      string `json:"ifName,omitempty"`
}

// backupPath returns the backup file of an attachment.
func backupPath(dataDir, containerID, ifName string) (string, error) {
	if strings.Contains(containerID, "/") || strings.Contains(ifName, "/") {
		return "", fmt.Errorf("container ID %q or ifname %q contains '/'", containerID, ifName)
	}
	return filepath.Join(dataDir, containerID+"_"+ifName+".json"), nil
}

// write stores b at path, atomically.
func (b *backup) write(path string) error {
	data, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		return fmt.Errorf("encoding the backup: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the backup directory: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing the backup: %w", err)
	}
	return nil
}

// readBackup returns the backup at path, nil if there is none. A backup
// that does not decode cannot be restored and counts as none, as with the
// reference plugin.
func readBackup(path string) (*backup, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the backup: %w", err)
	}
	b := &backup{}
	if err := json.Unmarshal(data, b); err != nil {
		return nil, nil
	}
	return b, nil
}

// removeBackup removes the backup at path; a missing one is no error.
func removeBackup(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the backup: %w", err)
	}
	return nil
}

// Package nftutil holds what cnictl's portmap and firewall plugins share,
// and with them package nat (the ipMasq of the bridge and ptp plugins) and
// the bridge plugin's MAC spoof check: the identity of an attachment, a
// locked state directory that records what each attachment installed (so
// that DEL and GC need neither the container's namespace nor its previous
// result), the verbs that run from those records (Records: ADD's
// replacement of what an attachment installed, DEL, GC, CHECK, STATUS),
// the connection a verb changes its tables over (Conn), builders for the
// nftables expressions the plugins use, batched set updates that survive a
// ruleset that drifted from the state (Conn.ApplyElems), and the few
// netlink requests github.com/google/nftables lacks. The plugins program
// nftables over netlink; nothing here runs nft or iptables.
//
// # Elements in the way
//
// The state directory says which element belongs under each key, so a map
// element that the kernel already holds under the key of one being added,
// with another value, is stale: left by a crash between the ruleset and the
// state, or put there by hand. The kernel refuses the addition, with EEXIST
// (older kernels: EBUSY), and ApplyElems then deletes the key and adds the
// element in one batch. The kernel answers EEXIST as well when the interval
// of an element added to a set of intervals overlaps one of another key:
// that one is not touched, and the error says that they overlap.
//
// # State directory
//
// Each plugin keeps its state in $CNICTL_STATE_DIR/<plugin>, or in
// /var/lib/cni/cnictl/<plugin> when the variable is unset:
//
//	attachments/<network>/<containerID>:<ifName>  one JSON record per attachment
//	claims/<kind>/<key>/<seq>-<network>:<containerID>:<ifName>
//	holds/<kind>/<key>/<network>:<containerID>:<ifName>
//
// A claim says that an attachment wants a thing only one can have, such as
// the value of a map key: the oldest claim (the lowest sequence number)
// owns it, and when the owner releases it the next oldest gets it.
// A hold says that an attachment uses a thing many share, such as a set
// element: the first hold installs it and the last release removes it.
// Both are empty files. Holding and releasing cost a few file system calls
// whatever the number of holders; claiming reads the list of claimants,
// which is meant to be short. Files of other layouts, such as package
// nat's claims, are read and written with ReadJSON and WriteJSON.
//
// Every operation holds an exclusive flock on the state directory from its
// first read to its last write. Records are replaced by rename, so a reader
// never sees half of one; they are not synced, since a crash of the machine
// loses the nftables ruleset too.
package nftutil

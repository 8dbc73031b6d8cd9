package nftutil

// maxComment bounds the comments cnictl puts on nftables objects (the kernel
// takes 256 bytes of user data, type and length included).
const maxComment = 200

// truncate cuts text to maxComment bytes.
func truncate(text string) string {
	if len(text) > maxComment {
		return text[:maxComment]
	}
	return text
}

// RuleComment is the user data that gives a rule a comment, in the format
// of nft and iptables-nft (iptables -S shows it as -m comment).
func RuleComment(text string) []byte {
	text = truncate(text)
	return append([]byte{0, byte(len(text) + 1)}, append([]byte(text), 0)...)
}

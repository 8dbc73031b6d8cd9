package plugins

// BridgeAlias starts the interface alias that the bridge plugin gives a
// bridge it creates; the network's name follows. cnictl net rm and gc
// remove a bridge with no port left only when it carries this alias, so
// they never remove a bridge that someone else made.
const BridgeAlias = "cnictl bridge of network "

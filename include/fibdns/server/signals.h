#pragma once

namespace fibdns::server {

/// Blocks SIGINT and SIGTERM in the calling thread (threads started later inherit the mask, so
/// only sigwait sees them) and ignores SIGPIPE. Call first thing in main, before any thread.
void blockTerminationSignals();

/// Waits for SIGINT or SIGTERM (blocked by blockTerminationSignals) and returns its number.
int waitForTerminationSignal();

}  // namespace fibdns::server

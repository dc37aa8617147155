// One end-to-end world: a fake BILLmanager host (private MariaDB + recording mgrctl under a
// temporary mgr root), a fake upstream over TLS, a processing module configured for it,
// and the real module binary run as BILLmanager runs it.
#pragma once

#include <string>
#include <vector>

#include "fake_upstream_client.h"
#include "host_sandbox.h"
#include "process.h"

namespace pmtest {

// Distinctive secrets: the suite checks they never appear where they must not.
inline const char* const kUpstreamPassword = "Up$tream&Pass:Пароль+42";
inline const char* const kUpstreamUser = "reseller@example.com";

struct ModuleResult {
    int exit_code = -1;
    std::string out, err;
    bool timed_out = false;
};

struct WorldOptions {
    FakeUpstreamOptions upstream;
    bool trust_upstream_ca = true;  // write CAFile into etc/pmbillmgrssl.conf
    std::string extra_config;       // more lines for etc/pmbillmgrssl.conf
};

class World {
public:
    explicit World(WorldOptions options = {});

    HostSandbox host;
    FakeUpstream upstream;
    int module = 0;

    // A paid certificate order on the upstream tariff 115 (or as given).
    CertificateOrder add_order(CertificateOrderOptions options = {});

    // Runs `pmbillmgrssl ARGS` with cwd = mgr root, as BILLmanager does.
    ModuleResult run(const std::vector<std::string>& args, const std::string& input = "",
                     int timeout_ms = 60000);
    // As run, but kept out of the transcript: safe for runs started at once from threads.
    ModuleResult run_unrecorded(const std::vector<std::string>& args, const std::string& input = "",
                                int timeout_ms = 60000) const;
    ModuleResult run_item(const std::string& command, int item, int running_operation = 0);
    // Starts it in the background (for kill -9 tests).
    Child start(const std::vector<std::string>& args);

    std::string log() const;  // var/pmbillmgrssl.log
    // Everything every module run printed (stdout and stderr), in order.
    const std::string& transcript() const { return transcript_; }
    std::string check_connection_input(const std::string& url, const std::string& password);
    void write_config(const std::string& lines);

    // Upstream requests with func, and mgrctl calls, made since the last clear.
    std::vector<Request> upstream_calls(const std::string& func = "");
    std::vector<MgrctlCall> host_calls(const std::string& func = "");
    std::vector<std::string> host_funcs();  // func names in order, paramlist excluded
    std::vector<std::string> upstream_funcs();
    void clear_records();

    // n services already issued and saved here, each linked to one of n cheap upstream
    // certificates (FakeUpstream::add_bulk, same expiry): a provider's settled fleet, made
    // without an order or a key per service. Returns the services and their upstream ids.
    struct Fleet {
        std::vector<int> items;
        std::vector<long> upstream_ids;
    };
    Fleet add_issued_fleet(int n);

private:
    WorldOptions options_;
    std::string transcript_;
};

// "func k=v k=v" for readable failure messages.
std::string describe(const MgrctlCall& call);

// The string value of an XPath expression over an XML text ("" when it is not XML), e.g.
// xpath(out, "count(/doc/elem)") or xpath(out, "/doc/elem[id='115']/name").
std::string xpath(const std::string& xml, const std::string& expression);

}  // namespace pmtest

// One run per service: a second run of a command on the same service waits for the first,
// up to LockWait seconds, then fails with retryable error XML; it never acts unlocked. A
// holder killed with -9 releases the lock.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "e2e_util.h"

using namespace pmtest;

namespace {

std::string lock_path(World& w, int item) {
    return w.host.root() + "/var/run/pmbillmgrssl." + std::to_string(item) + ".lock";
}

// The lock as another run would hold it.
class HeldLock {
public:
    explicit HeldLock(const std::string& path) {
        ::mkdir(path.substr(0, path.rfind('/')).c_str(), 0700);
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(fd_ >= 0);
        REQUIRE(::flock(fd_, LOCK_EX | LOCK_NB) == 0);
    }
    ~HeldLock() { ::close(fd_); }

private:
    int fd_ = -1;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a second run waits LockWait seconds, then fails busy without touching anything") {
    World w({{}, true, "LockWait 2\n"});
    CertificateOrder order = w.add_order({});
    const int operation = w.host.add_running_operation(1);
    {
        HeldLock held(lock_path(w, order.item));
        const auto start = std::chrono::steady_clock::now();
        ModuleResult busy = w.run_item("open", order.item, operation);
        const double waited = seconds_since(start);
        INFO(busy.out);
        CHECK(busy.exit_code == 1);
        CHECK(error_type(busy) == "pmbillmgrssl_busy");
        CHECK(busy.out.find("within 2 s") != std::string::npos);
        CHECK(waited >= 1.9);
        CHECK(waited < 10);
        CHECK(w.upstream_funcs().empty());
        CHECK_FALSE(w.host.item_param(order.item, "order_attempt"));
        CHECK(w.host.running_operation(operation).errorxml.value_or("").find("pmbillmgrssl_busy") !=
              std::string::npos);
    }
    CHECK(w.run_item("open", order.item).exit_code == 0);
    CHECK(w.upstream.state().size() == 1);
}

TEST_CASE("the lock directory missing: the module makes it (0750), the lock file is private") {
    World w;
    CertificateOrder order = w.add_order({});
    const std::string dir = w.host.root() + "/var/run";
    std::filesystem::remove_all(dir);
    const int operation = w.host.add_running_operation(1);
    ModuleResult r = w.run_item("open", order.item, operation);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    struct stat made {
    }, file{};
    REQUIRE(::stat(dir.c_str(), &made) == 0);
    REQUIRE(::stat(lock_path(w, order.item).c_str(), &file) == 0);
    CHECK(S_ISDIR(made.st_mode));
    CHECK((made.st_mode & 0777) == 0750);
    CHECK((file.st_mode & 0777) == 0600);
    CHECK(w.upstream.count_committing("certificate.order.param") == 1);
}

TEST_CASE("a lock directory that cannot be made: readable error XML, stored; a rerun succeeds") {
    World w;
    CertificateOrder order = w.add_order({});
    const std::string dir = w.host.root() + "/var/run";
    std::filesystem::remove_all(dir);
    write_file(dir, "a file where the lock directory should be");
    const int operation = w.host.add_running_operation(1);

    ModuleResult r = w.run_item("open", order.item, operation);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "pmbillmgrssl_internal");
    const std::string message =
        "cannot create the lock directory " + dir + ": " + dir + " is not a directory";
    CHECK(r.out.find(message) != std::string::npos);
    CHECK(w.host.running_operation(operation).errorxml.value_or("").find(message) !=
          std::string::npos);
    CHECK(w.log().find(message) != std::string::npos);
    CHECK(w.upstream_funcs().empty());  // never goes on unlocked
    CHECK(w.host_funcs() == Funcs{"runningoperation.edit"});

    std::filesystem::remove(dir);  // the admin fixes the cause
    ModuleResult retried = w.run_item("open", order.item, operation);
    INFO(retried.out);
    CHECK(retried.exit_code == 0);
    CHECK(std::filesystem::is_directory(dir));
    CHECK(w.upstream.count_committing("certificate.order.param") == 1);
    CHECK(w.upstream.state().size() == 1);
}

TEST_CASE("a run hung on the upstream keeps the second run out; killed, it frees the service") {
    World w({{}, true, "LockWait 1\nTimeout 60\n"});
    CertificateOrder order = w.add_order({});
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(order.item)});
    w.upstream.fault("certificate.order.csr", "hang", {1, 60000});
    Child first = w.start({"--command", "open", "--item", std::to_string(order.item)});
    REQUIRE(wait_until([&] { return w.upstream.count("certificate.order.csr") == 1; }));

    ModuleResult busy = w.run_item("open", order.item);
    CHECK(error_type(busy) == "pmbillmgrssl_busy");
    CHECK(w.upstream.count("certificate.order.csr") == 1);

    first.signal_group(SIGKILL);
    first.wait();
    w.upstream.clear_faults();
    ModuleResult retried = w.run_item("open", order.item);
    INFO(retried.out);
    CHECK(retried.exit_code == 0);
    CHECK(w.upstream.count_committing("certificate.order.param") == 1);
}

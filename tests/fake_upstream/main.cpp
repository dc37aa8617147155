// fake_upstream: a stateful stand-in for the upstream BILLmanager billing API, for tests.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

#include "server.h"

namespace {

using fake_upstream::ServerOptions;

const char kUsage[] =
    "usage: fake_upstream [--port N] [--tls-dir DIR | --ca-dir DIR] [--user U] [--password P]\n"
    "                     [--balance X] [--paths /billmgr,/manager/billmgr] [--lifetime SECONDS]\n"
    "                     [--list-without-remoteid] [--large-export N] [--log FILE]\n";

struct Invocation {
    ServerOptions server;
    int lifetime_seconds = 600;
};

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(',', start);
        if (end == std::string::npos)
            end = text.size();
        if (end > start)
            parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

int to_int(const std::string& option, const std::string& text) {
    try {
        size_t used = 0;
        int value = std::stoi(text, &used);
        if (used == text.size() && value >= 0)
            return value;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(option + " needs a non-negative integer");
}

void apply_option(Invocation& invocation, const std::string& option, const std::string& value) {
    ServerOptions& server = invocation.server;
    if (option == "--port") {
        server.port = to_int(option, value);
    } else if (option == "--tls-dir") {
        server.tls_dir = value;
    } else if (option == "--ca-dir") {
        server.ca_dir = value;
    } else if (option == "--user") {
        server.account.user = value;
    } else if (option == "--password") {
        server.account.password = value;
    } else if (option == "--balance") {
        auto amount = fake_upstream::parse_money(value);
        if (!amount)
            throw std::invalid_argument("--balance needs a decimal amount");
        server.balance = *amount;
    } else if (option == "--paths") {
        server.paths = split_commas(value);
    } else if (option == "--lifetime") {
        invocation.lifetime_seconds = to_int(option, value);
    } else if (option == "--large-export") {
        server.large_export = static_cast<size_t>(to_int(option, value));
    } else if (option == "--log") {
        server.log_file = value;
    } else {
        throw std::invalid_argument("unknown option " + option);
    }
}

Invocation parse_arguments(int argc, char** argv) {
    Invocation invocation;
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        if (option == "--list-without-remoteid") {
            invocation.server.list_without_remoteid = true;
            continue;
        }
        if (i + 1 >= argc)
            throw std::invalid_argument(option + " needs a value");
        apply_option(invocation, option, argv[++i]);
    }
    return invocation;
}

// Ends the process after its lifetime or once the parent (the test harness) is gone.
void start_watchdog(int lifetime_seconds) {
    pid_t parent = getppid();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(lifetime_seconds);
    std::thread([parent, deadline] {
        while (std::chrono::steady_clock::now() < deadline && getppid() == parent) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        std::_Exit(0);
    }).detach();
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    try {
        Invocation invocation = parse_arguments(argc, argv);
        start_watchdog(invocation.lifetime_seconds);
        fake_upstream::FakeServer server(invocation.server);
        int port = server.bind();
        if (port <= 0)
            throw std::runtime_error("cannot bind 127.0.0.1");
        std::printf("PORT %d\n", port);
        std::fflush(stdout);
        server.run();
        return 0;
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "fake_upstream: %s\n%s", error.what(), kUsage);
        std::printf("ERROR %s\n", error.what());
        return 2;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fake_upstream: %s\n", error.what());
        std::printf("ERROR %s\n", error.what());
        return 1;
    }
}

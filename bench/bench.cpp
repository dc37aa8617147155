// pmbillmgrssl_bench: runs the real module binary the way BILLmanager runs it, command by
// command, against the end-to-end world of the tests (fake BILLmanager host with a private
// MariaDB and a recording mgrctl, fake upstream over TLS), and prints a Markdown table of
// wall time, peak RSS, upstream round trips and mgrctl calls per command.
//
//   pmbillmgrssl_bench [--runs R] [--export-tariffs N] [--json FILE]
//
// Each run is one fork/exec of the module by a tiny launcher (launcher.cpp), timed with
// steady_clock around the child and reaped with wait4() for that child's own rusage.
// Progress goes to stderr, results to stdout.
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness.h"

#ifndef PMBILLMGRSSL_BENCH_LAUNCHER
#error "PMBILLMGRSSL_BENCH_LAUNCHER must name pmbillmgrssl_bench_launcher"
#endif
#ifndef PMBILLMGRSSL_BENCH_BUILD_TYPE
#define PMBILLMGRSSL_BENCH_BUILD_TYPE "unknown"
#endif

namespace {

using Clock = std::chrono::steady_clock;
using pmtest::World;

// Ctrl-C or SIGTERM: finish the current run, then unwind so the World removes its sandbox.
volatile sig_atomic_t g_interrupted = 0;

struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted") {}
};

void on_signal(int) {
    g_interrupted = 1;
}

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

// ---- options ---------------------------------------------------------------------------------

struct Options {
    int runs = 20;
    int export_tariffs = 20000;
    int fleet = 1000;          // services of the sync bursts (0: no scale rows)
    int import_rows = 200000;  // the biggest certificate list of the import rows
    std::string json_file;
};

const char* const kUsage =
    "usage: pmbillmgrssl_bench [--runs R] [--export-tariffs N] [--fleet F] [--import-rows L]\n"
    "                          [--json FILE]\n"
    "  --runs R            runs per command (default 20)\n"
    "  --export-tariffs N  generated tariffs in the upstream pricelist.export (default 20000)\n"
    "  --fleet F           issued services of the sync bursts (default 1000; 0: none)\n"
    "  --import-rows L     certificates in the biggest list import reads (default 200000;\n"
    "                      also L/4 and L/2)\n"
    "  --json FILE         also write every sample as JSON\n";

int positive_number(const std::string& option, const std::string& value, int min) {
    try {
        size_t used = 0;
        int n = std::stoi(value, &used);
        if (used == value.size() && n >= min)
            return n;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(option + " needs a number >= " + std::to_string(min) + ", got '" +
                                value + "'");
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            std::exit(0);
        }
        if (i + 1 >= argc)
            throw std::invalid_argument("unknown option or missing value: " + arg);
        std::string value = argv[++i];
        if (arg == "--runs") {
            options.runs = positive_number(arg, value, 1);
        } else if (arg == "--export-tariffs") {
            options.export_tariffs = positive_number(arg, value, 0);
        } else if (arg == "--fleet") {
            options.fleet = positive_number(arg, value, 0);
        } else if (arg == "--import-rows") {
            options.import_rows = positive_number(arg, value, 4);
        } else if (arg == "--json") {
            options.json_file = value;
        } else {
            throw std::invalid_argument("unknown option: " + arg);
        }
    }
    return options;
}

// ---- one measured child ----------------------------------------------------------------------

struct ChildRun {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
    std::string out, err;
    double ms = 0;       // steady_clock from just before fork() to wait4() returning
    long maxrss_kb = 0;  // ru_maxrss of this child (and the children it reaped itself)
};

// Runs argv through the launcher (see launcher.cpp): pmtest::run reaps with waitpid(), which
// loses the child's rusage, and forking the module straight from this process would count
// this process's own pages in the module's ru_maxrss. The launcher forks and execs the
// module and writes the module's wait4() rusage and wall time to a report file.
ChildRun run_measured(const std::vector<std::string>& argv,
                      const std::map<std::string, std::string>& env_set, const std::string& cwd,
                      const std::string& input, std::chrono::milliseconds timeout) {
    static const struct ReportDir {
        std::string path = pmtest::make_temp_dir("pmbillmgrssl-bench-");
        ~ReportDir() { pmtest::remove_tree(path); }
    } report_dir;
    const std::string report = report_dir.path + "/launcher.report";
    std::remove(report.c_str());
    std::vector<std::string> args{PMBILLMGRSSL_BENCH_LAUNCHER, report};
    args.insert(args.end(), argv.begin(), argv.end());
    pmtest::RunOptions options;
    options.env_set = env_set;
    options.cwd = cwd;
    options.stdin_data = input;
    options.timeout = timeout;
    const auto start = Clock::now();
    pmtest::RunResult run = pmtest::run(args, options);
    const double outer_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();

    ChildRun result;
    result.out = std::move(run.out);
    result.err = std::move(run.err);
    result.timed_out = run.timed_out;
    long long ns = 0;
    if (std::sscanf(pmtest::read_file(report).c_str(), "%d %d %lld %ld", &result.exit_code,
                    &result.signal, &ns, &result.maxrss_kb) == 4) {
        result.ms = static_cast<double>(ns) / 1e6;
    } else {
        // The launcher itself failed (or was killed on timeout): no measurement.
        result.exit_code = -1;
        result.ms = outer_ms;
        result.err += "\n[launcher exit status " + std::to_string(run.exit_code) + "]";
    }
    return result;
}

// ---- samples and rows ------------------------------------------------------------------------

struct Sample {
    double ms = 0;
    long maxrss_kb = 0;
    int upstream = 0;   // upstream API requests recorded by the fake during the run
    int mgrctl = 0;     // mgrctl invocations recorded by the fake host, paramlist included
    int paramlist = 0;  // of which mgrctl paramlist
    std::vector<std::string> upstream_funcs;
    std::vector<std::string> upstream_shown;  // func, plus the tariff asked for if any
    size_t out_bytes = 0;
};

struct Row {
    std::string command;  // as shown in the table
    std::vector<std::string> argv_shown;
    std::vector<Sample> samples;
    std::string note;  // e.g. "not available: ..."
};

std::string excerpt(const std::string& text, size_t max = 600) {
    return text.size() <= max ? text : text.substr(0, max) + "...";
}

// One timed run of the module in the world's mgr root; fails loudly on any error, so the
// table never shows the timing of an error path.
Sample measure(World& w, const std::vector<std::string>& args, const std::string& input = "") {
    w.clear_records();
    std::vector<std::string> argv{PMBILLMGRSSL_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildRun r = run_measured(argv, w.host.env(), w.host.root(), input, std::chrono::minutes(5));
    if (g_interrupted)
        throw Interrupted();
    std::string shown;
    for (const auto& a : args)
        shown += " " + a;
    if (r.timed_out || r.exit_code != 0 || r.out.find("<error") != std::string::npos) {
        throw std::runtime_error(
            "pmbillmgrssl" + shown + " failed (exit " + std::to_string(r.exit_code) +
            (r.signal ? ", signal " + std::to_string(r.signal) : "") +
            (r.timed_out ? ", timed out" : "") + ")\nstdout: " + excerpt(r.out) +
            "\nstderr: " + excerpt(r.err) + "\nlog tail: " +
            excerpt(w.log().substr(w.log().size() > 2000 ? w.log().size() - 2000 : 0), 2000));
    }
    Sample s;
    s.ms = r.ms;
    s.maxrss_kb = r.maxrss_kb;
    s.out_bytes = r.out.size();
    for (const auto& request : w.upstream_calls()) {
        s.upstream_funcs.push_back(request.func);
        const std::string tariff = request.param("pricelist");
        s.upstream_shown.push_back(request.func +
                                   (tariff.empty() ? "" : " (pricelist=" + tariff + ")"));
    }
    s.upstream = static_cast<int>(s.upstream_funcs.size());
    for (const auto& call : w.host.calls()) {
        ++s.mgrctl;
        if (call.func == "paramlist")
            ++s.paramlist;
    }
    return s;
}

bool called(const Sample& s, const std::string& func) {
    return std::find(s.upstream_funcs.begin(), s.upstream_funcs.end(), func) !=
           s.upstream_funcs.end();
}

void expect(bool condition, const std::string& what) {
    if (!condition)
        throw std::runtime_error("benchmark setup broken: " + what);
}

std::vector<std::string> item_args(const std::string& command, int item) {
    return {"--command", command, "--item", std::to_string(item)};
}

// ---- statistics and formatting ---------------------------------------------------------------

std::vector<double> sorted_ms(const Row& row) {
    std::vector<double> v;
    for (const auto& s : row.samples)
        v.push_back(s.ms);
    std::sort(v.begin(), v.end());
    return v;
}

double median(const std::vector<double>& sorted) {
    size_t n = sorted.size();
    if (n == 0)
        return 0;
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// Nearest rank: the smallest value with at least 90 % of the samples at or below it.
double p90(const std::vector<double>& sorted) {
    if (sorted.empty())
        return 0;
    size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(sorted.size())));
    return sorted[std::max<size_t>(rank, 1) - 1];
}

long peak_rss_kb(const Row& row) {
    long peak = 0;
    for (const auto& s : row.samples)
        peak = std::max(peak, s.maxrss_kb);
    return peak;
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string ms_text(double ms) {
    return fixed(ms, ms < 10 ? 2 : 1);
}

std::string range_text(int lo, int hi) {
    return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

template <typename Field>
std::pair<int, int> min_max(const Row& row, Field field) {
    int lo = field(row.samples.front()), hi = lo;
    for (const auto& s : row.samples) {
        lo = std::min(lo, field(s));
        hi = std::max(hi, field(s));
    }
    return {lo, hi};
}

std::string mgrctl_text(const Row& row) {
    auto [lo, hi] = min_max(row, [](const Sample& s) { return s.mgrctl; });
    auto [plo, phi] = min_max(row, [](const Sample& s) { return s.paramlist; });
    std::string text = range_text(lo, hi);
    if (phi > 0)
        text += " (" + range_text(plo, phi) + " paramlist)";
    return text;
}

std::string upstream_text(const Row& row) {
    auto [lo, hi] = min_max(row, [](const Sample& s) { return s.upstream; });
    return range_text(lo, hi);
}

// The upstream funcs of the first run, e.g. "certificate.edit + certificate.file".
std::string funcs_text(const Row& row) {
    std::string text;
    for (const auto& f : row.samples.front().upstream_shown)
        text += (text.empty() ? "" : " + ") + f;
    return text.empty() ? "none" : text;
}

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// ---- machine ---------------------------------------------------------------------------------

struct Machine {
    int nproc = 0;
    std::string cpu, kernel, build_type = PMBILLMGRSSL_BENCH_BUILD_TYPE, date;
};

Machine machine() {
    Machine m;
    cpu_set_t set;
    CPU_ZERO(&set);
    m.nproc = sched_getaffinity(0, sizeof set, &set) == 0
                  ? CPU_COUNT(&set)
                  : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos)
                m.cpu = line.substr(line.find_first_not_of(" \t", colon + 1));
            break;
        }
    }
    if (m.cpu.empty())
        m.cpu = "unknown";
    utsname u{};
    if (uname(&u) == 0)
        m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
    std::time_t now = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    m.date = buf;
    return m;
}

// ---- direct requests to the fake upstream ---------------------------------------------------

// What the module sends as CURLOPT_ACCEPT_ENCODING (processing/upstream/http.cpp); the direct
// reference fetches ask the same, so the fake answers them as it answers the module.
constexpr const char* kModuleAcceptEncoding = "gzip";

struct DirectRequest {
    size_t bytes = 0;       // the answer as decoded
    size_t wire_bytes = 0;  // the body as received (compressed when encoding is set)
    std::string encoding;   // Content-Encoding of the answer, "" for none
    double ms = 0;
};

size_t count_bytes(char*, size_t size, size_t count, void* total) {
    *static_cast<size_t*>(total) += size * count;
    return size * count;
}

size_t content_encoding(char* data, size_t size, size_t count, void* encoding) {
    std::string line(data, size * count);
    const std::string name = "content-encoding:";
    std::string lower;
    for (char c : line.substr(0, name.size()))
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name) {
        auto begin = line.find_first_not_of(" \t", name.size());
        auto end = line.find_last_not_of(" \t\r\n");
        if (begin != std::string::npos && end != std::string::npos && end >= begin)
            *static_cast<std::string*>(encoding) = line.substr(begin, end - begin + 1);
    }
    return size * count;
}

// One POST to the fake's API with libcurl (the module's HTTP library) on a fresh TLS
// connection; the time covers connect, handshake, request and the whole answer.
// `accept_encoding` is CURLOPT_ACCEPT_ENCODING: "gzip" as the module asks; nullptr for none.
DirectRequest post_direct(World& w, const std::vector<std::pair<std::string, std::string>>& params,
                          const char* accept_encoding) {
    const std::string func = params.front().second;
    const std::string body = pmtest::form_encode(params);
    const std::string url = w.upstream.base_url() + "/billmgr";
    const std::string ca = w.upstream.ca_file();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl)
        throw std::runtime_error("curl_easy_init failed");
    DirectRequest direct;
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, count_bytes);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &direct.bytes);
    curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, content_encoding);
    curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &direct.encoding);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 600L);
    if (accept_encoding)
        curl_easy_setopt(curl.get(), CURLOPT_ACCEPT_ENCODING, accept_encoding);
    const auto start = Clock::now();
    CURLcode rc = curl_easy_perform(curl.get());
    direct.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (rc != CURLE_OK)
        throw std::runtime_error(func + ": " + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status != 200)
        throw std::runtime_error(func + " answered HTTP " + std::to_string(status));
    curl_off_t wire = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_SIZE_DOWNLOAD_T, &wire);
    direct.wire_bytes = static_cast<size_t>(wire);
    return direct;
}

// The export as the module asks for it (no auth needed).
DirectRequest fetch_export(World& w, const char* accept_encoding) {
    return post_direct(w,
                       {{"func", "pricelist.export"},
                        {"itemtype", "certificate"},
                        {"onlyavailable", "on"},
                        {"out", "xml"}},
                       accept_encoding);
}

// The fake's own cost of one small authenticated round trip: the floor under every upstream
// round trip in the table.
double fake_round_trip_ms(World& w, int samples) {
    std::vector<double> ms;
    for (int i = 0; i < samples; ++i) {
        ms.push_back(post_direct(w,
                                 {{"func", "certificate"},
                                  {"authinfo", std::string(pmtest::kUpstreamUser) + ":" +
                                                   pmtest::kUpstreamPassword},
                                  {"out", "xml"}},
                                 kModuleAcceptEncoding)
                         .ms);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

double megabytes(double bytes) {
    return bytes / (1024.0 * 1024.0);
}

std::string mb_text(size_t bytes) {
    return fixed(megabytes(static_cast<double>(bytes)), 1);
}

std::string size_text(size_t bytes) {
    if (bytes >= (1u << 20))
        return mb_text(bytes) + " MB";
    return fixed(static_cast<double>(bytes) / 1024.0, 1) + " KB";
}

// ---- the benchmark ---------------------------------------------------------------------------

// Production defaults of etc/pmbillmgrssl.conf (the harness's test config logs at debug level
// and uses short timeouts); later lines override the harness's.
std::string production_config(size_t max_response_bytes) {
    std::string config =
        "LogLevel info\nConnectTimeout 10\nTimeout 60\nReadRetries 3\nRetryDelayMs 500\n";
    if (max_response_bytes)
        config += "MaxResponseBytes " + std::to_string(max_response_bytes) + "\n";
    return config;
}

constexpr size_t kDefaultMaxResponseBytes = 64u << 20;

class Bench {
public:
    explicit Bench(const Options& options) : options_(options), w_(world_options(options)) {}

    void run() {
        const auto started = Clock::now();
        const int R = options_.runs;
        progress("fake host at " + w_.host.root() + ", fake upstream at " + w_.upstream.base_url());

        // Warm the page cache (binary, shared libraries) so run 1 is not an outlier.
        for (int i = 0; i < 3; ++i)
            measure(w_, {"--command", "features"});

        Row& features = add_row("features", {"--command", "features"});
        for (int i = 0; i < R; ++i)
            features.samples.push_back(measure(w_, features.argv_shown));
        const std::string features_xml = run_plain({"--command", "features"});
        import_available_ =
            features_xml.find("feature name=\"import_pricelist\"") != std::string::npos;

        Row& check = add_row("check_connection", {"--command", "check_connection"});
        const std::string input =
            w_.check_connection_input(w_.upstream.base_url(), pmtest::kUpstreamPassword);
        for (int i = 0; i < R; ++i)
            check.samples.push_back(measure(w_, check.argv_shown, input));

        Row& approver =
            add_row("approver", {"--command", "approver", "--module", std::to_string(w_.module),
                                 "--domain", "shop.пример.рф", "--intname", "positivessl"});
        for (int i = 0; i < R; ++i)
            approver.samples.push_back(measure(w_, approver.argv_shown));

        Row& balance = add_row("getbalance",
                               {"--command", "getbalance", "--module", std::to_string(w_.module)});
        for (int i = 0; i < R; ++i) {
            balance.samples.push_back(measure(w_, balance.argv_shown));
            expect(called(balance.samples.back(), "whoami"), "getbalance reads whoami");
        }

        mgrctl_reference();
        fake_rtt_ms_ = fake_round_trip_ms(w_, 9);
        spawn_floor(9);
        lifecycle(R);
        import_pricelist(R);
        if (options_.fleet > 0) {
            sync_bursts(options_.fleet);
            import_services(options_.import_rows);
        }
        total_s_ = std::chrono::duration<double>(Clock::now() - started).count();
    }

    void print(std::ostream& out) const {
        const Machine& m = machine_;
        out << "# pmbillmgrssl benchmark\n\n";
        out << "- machine: " << m.nproc << " CPU(s) (nproc), " << m.cpu << "; " << m.kernel << "\n";
        out << "- build: " << m.build_type << "; " << options_.runs << " runs per command; "
            << m.date << "\n";
        out << "- upstream pricelist.export: " << options_.export_tariffs << " generated tariffs + "
            << "the built-in ones = " << mb_text(export_.bytes) << " MB (" << export_.bytes
            << " bytes). One direct fetch with libcurl on a fresh TLS connection: "
            << ms_text(export_.ms) << " ms uncompressed; " << ms_text(export_encoded_.ms)
            << " ms with the module's Accept-Encoding (";
        if (export_encoded_.encoding.empty())
            out << "answered uncompressed)\n";
        else
            out << "the fake answered `" << export_encoded_.encoding << "`, "
                << size_text(export_encoded_.wire_bytes) << " on the wire)\n";
        out << "- module config: the production defaults of etc/pmbillmgrssl.conf (LogLevel info)";
        if (raised_max_response_)
            out << ", with MaxResponseBytes raised to " << raised_max_response_
                << " for this export";
        out << "; MB = 2^20 bytes\n\n";

        out << "| command | runs | median ms | p90 ms | peak RSS MB (max) "
               "| upstream round trips (per run) | mgrctl calls (per run) |\n";
        out << "|---|---:|---:|---:|---:|---:|---:|\n";
        for (const auto& row : rows_) {
            if (row.samples.empty()) {
                out << "| " << row.command << " | - | not available | - | - | - | - |\n";
                continue;
            }
            auto ms = sorted_ms(row);
            out << "| " << row.command << " | " << row.samples.size() << " | "
                << ms_text(median(ms)) << " | " << ms_text(p90(ms)) << " | "
                << fixed(static_cast<double>(peak_rss_kb(row)) / 1024.0, 1) << " | "
                << upstream_text(row) << " | " << mgrctl_text(row) << " |\n";
        }
        out << "\n";

        const double base = rows_.front().samples.empty() ? 0 : median(sorted_ms(rows_.front()));
        out << "Median relative to `features` (" << ms_text(base) << " ms = 1.0):";
        bool first = true;
        for (size_t i = 1; i < rows_.size(); ++i) {
            if (rows_[i].samples.empty() || base <= 0)
                continue;
            out << (first ? " " : "; ") << rows_[i].command << " "
                << fixed(median(sorted_ms(rows_[i])) / base, 1) << "x";
            first = false;
        }
        out << "\n\n";

        out << "Upstream requests per command (first run):\n\n";
        for (const auto& row : rows_)
            if (!row.samples.empty())
                out << "- " << row.command << ": " << funcs_text(row) << "\n";
        out << "\n";
        std::string skipped;
        for (const auto& row : rows_)
            if (!row.note.empty())
                skipped += "- " + row.command + ": " + row.note + "\n";
        if (!skipped.empty())
            out << "Not measured:\n\n" << skipped << "\n";
        print_scale(out);
        out << "Reference points (outside the module):\n\n";
        out << "- `/bin/true` measured the same way (median of 9): " << ms_text(spawn_floor_ms_)
            << " ms, peak RSS " << fixed(static_cast<double>(spawn_floor_rss_kb_) / 1024.0, 1)
            << " MB: the floor of process creation on this machine;\n";
        out << "- one fake `mgrctl paramlist` run on its own: " << ms_text(mgrctl_ref_.ms)
            << " ms, peak RSS " << fixed(static_cast<double>(mgrctl_ref_.maxrss_kb) / 1024.0, 1)
            << " MB. wait4() reports the peak of the module and of the mgrctl children it reaped, "
               "so an item command's RSS is the module's own whenever it is above this;\n";
        out << "- one small authenticated request straight to the fake upstream on a fresh TLS "
               "connection (median of 9): "
            << ms_text(fake_rtt_ms_)
            << " ms: the fake's own cost under every upstream round trip above.\n\n";
        out << "Benchmark wall time: " << fixed(total_s_, 1) << " s (setup included).\n";
    }

    void write_json(const std::string& path) const {
        std::ofstream out(path);
        if (!out)
            throw std::runtime_error("cannot write " + path);
        const Machine& m = machine_;
        out << "{\n  \"machine\": {\"nproc\": " << m.nproc << ", \"cpu\": " << json_string(m.cpu)
            << ", \"kernel\": " << json_string(m.kernel)
            << ", \"build_type\": " << json_string(m.build_type)
            << ", \"date\": " << json_string(m.date) << "},\n";
        out << "  \"runs\": " << options_.runs << ",\n";
        out << "  \"max_response_bytes_raised_to\": " << raised_max_response_ << ",\n";
        out << "  \"export\": {\"tariffs_generated\": " << options_.export_tariffs
            << ", \"bytes\": " << export_.bytes << ", \"direct_fetch_ms\": " << fixed(export_.ms, 3)
            << ", \"module_encoding\": " << json_string(export_encoded_.encoding)
            << ", \"module_encoding_wire_bytes\": " << export_encoded_.wire_bytes
            << ", \"module_encoding_fetch_ms\": " << fixed(export_encoded_.ms, 3) << "},\n";
        out << "  \"spawn_floor\": {\"ms\": " << fixed(spawn_floor_ms_, 3)
            << ", \"maxrss_kb\": " << spawn_floor_rss_kb_ << "},\n";
        out << "  \"fake_upstream_round_trip_ms\": " << fixed(fake_rtt_ms_, 3) << ",\n";
        out << "  \"mgrctl_reference\": {\"ms\": " << fixed(mgrctl_ref_.ms, 3)
            << ", \"maxrss_kb\": " << mgrctl_ref_.maxrss_kb << "},\n";
        out << "  \"total_seconds\": " << fixed(total_s_, 3) << ",\n  \"rows\": [\n";
        for (size_t i = 0; i < rows_.size(); ++i) {
            const Row& row = rows_[i];
            std::string argv;
            for (const auto& a : row.argv_shown)
                argv += (argv.empty() ? "" : ", ") + json_string(a);
            out << "    {\"command\": " << json_string(row.command) << ", \"argv\": [" << argv
                << "], \"available\": " << (row.note.empty() ? "true" : "false")
                << ", \"note\": " << json_string(row.note);
            if (!row.samples.empty()) {
                auto ms = sorted_ms(row);
                out << ", \"median_ms\": " << fixed(median(ms), 3)
                    << ", \"p90_ms\": " << fixed(p90(ms), 3)
                    << ", \"peak_rss_kb\": " << peak_rss_kb(row);
                std::string funcs;
                for (const auto& f : row.samples.front().upstream_shown)
                    funcs += (funcs.empty() ? "" : ", ") + json_string(f);
                out << ", \"upstream_funcs_first_run\": [" << funcs << "]";
            }
            out << ", \"samples\": [";
            for (size_t j = 0; j < row.samples.size(); ++j) {
                const Sample& s = row.samples[j];
                out << (j ? ", " : "") << "{\"ms\": " << fixed(s.ms, 3)
                    << ", \"maxrss_kb\": " << s.maxrss_kb << ", \"upstream\": " << s.upstream
                    << ", \"mgrctl\": " << s.mgrctl << ", \"paramlist\": " << s.paramlist
                    << ", \"stdout_bytes\": " << s.out_bytes << "}";
            }
            out << "]}" << (i + 1 < rows_.size() ? "," : "") << "\n";
        }
        out << "  ]\n}\n";
    }

private:
    static pmtest::WorldOptions world_options(const Options& options) {
        pmtest::WorldOptions o;
        o.upstream.large_export = options.export_tariffs;
        o.upstream.balance = "10000000.00";      // orders and prolongs of every run are paid
        o.upstream.lifetime_seconds = 4 * 3600;  // it also ends when this process does
        o.extra_config = production_config(0);
        return o;
    }

    static void progress(const std::string& text) { std::cerr << "[bench] " << text << std::endl; }

    Row& add_row(const std::string& command, std::vector<std::string> argv) {
        progress(command);
        rows_.push_back(Row{command, std::move(argv), {}, ""});
        return rows_.back();
    }

    std::string run_plain(const std::vector<std::string>& args) {
        pmtest::ModuleResult r = w_.run(args);
        if (r.exit_code != 0)
            throw std::runtime_error("pmbillmgrssl features failed: " + r.out);
        return r.out;
    }

    // How heavy the fake mgrctl is by itself (wait4 folds reaped children into the peak).
    void mgrctl_reference() {
        w_.clear_records();
        mgrctl_ref_ =
            run_measured({w_.host.mgrctl_path(), "-m", "billmgr", "-o", "xml", "paramlist"},
                         w_.host.env(), w_.host.root(), "", std::chrono::minutes(1));
        expect(mgrctl_ref_.exit_code == 0, "fake mgrctl paramlist failed: " + mgrctl_ref_.out);
    }

    // fork/exec/wait4 of /bin/true from this process: the floor under every row.
    void spawn_floor(int samples) {
        std::vector<double> ms;
        for (int i = 0; i < samples; ++i) {
            ChildRun r = run_measured({"/bin/true"}, {}, "", "", std::chrono::minutes(1));
            expect(r.exit_code == 0, "the launcher runs /bin/true: " + r.err);
            ms.push_back(r.ms);
            spawn_floor_rss_kb_ = std::max(spawn_floor_rss_kb_, r.maxrss_kb);
        }
        std::sort(ms.begin(), ms.end());
        spawn_floor_ms_ = median(ms);
    }

    std::map<int, std::string> upstream_ids(const std::vector<int>& items) {
        std::map<int, std::string> ids;
        for (const auto& cert : w_.upstream.state()) {
            for (int item : items)
                if (cert.remoteid == std::to_string(item))
                    ids[item] = cert.id;
        }
        expect(ids.size() == items.size(), "every opened item has one upstream certificate");
        return ids;
    }

    void advance_and_sync(const std::vector<int>& items, const std::map<int, std::string>& ids) {
        for (int item : items) {
            w_.upstream.advance(ids.at(item), "issued");
            pmtest::ModuleResult r = w_.run_item("sync_item", item);
            expect(r.exit_code == 0, "sync_item after issue: " + r.out);
        }
    }

    // One fresh certificate per run, carried through its whole life; every step is timed on
    // R different items, so each open is a real order and each first sync a real download.
    void lifecycle(int R) {
        progress("creating " + std::to_string(R) + " paid orders (CSR generation)");
        std::vector<int> items;
        for (int i = 0; i < R; ++i)
            items.push_back(w_.add_order().item);

        Row& open = add_row("open", {"--command", "open", "--item", "N"});
        for (int item : items) {
            open.samples.push_back(measure(w_, item_args("open", item)));
            expect(called(open.samples.back(), "certificate.order.param"), "open placed an order");
        }
        const auto ids = upstream_ids(items);
        open_without_csr(R);

        Row& pending = add_row("sync_item (pending)", {"--command", "sync_item", "--item", "N"});
        for (int item : items)
            pending.samples.push_back(measure(w_, item_args("sync_item", item)));

        for (int item : items)
            w_.upstream.advance(ids.at(item), "issued");
        Row& issued = add_row("sync_item (issued, first download)",
                              {"--command", "sync_item", "--item", "N"});
        for (int item : items) {
            issued.samples.push_back(measure(w_, item_args("sync_item", item)));
            expect(called(issued.samples.back(), "certificate.file"),
                   "first issued sync downloads");
            auto row = w_.host.certificate_row(item);
            expect(row && row->crt && row->crt->find("BEGIN CERTIFICATE") != std::string::npos,
                   "the issued certificate is saved");
        }

        Row& same = add_row("sync_item (no change)", {"--command", "sync_item", "--item", "N"});
        for (int item : items) {
            same.samples.push_back(measure(w_, item_args("sync_item", item)));
            expect(!called(same.samples.back(), "certificate.file"),
                   "no-change sync downloads nothing");
        }

        Row& reopen = add_row("reopen", {"--command", "reopen", "--item", "N"});
        for (int item : items) {
            reopen.samples.push_back(measure(w_, item_args("reopen", item)));
            expect(called(reopen.samples.back(), "certificate.reissue.step2"), "reopen reissues");
        }
        progress("issuing the reissued certificates (not timed)");
        advance_and_sync(items, ids);

        Row& prolong = add_row("prolong", {"--command", "prolong", "--item", "N"});
        for (int item : items) {
            prolong.samples.push_back(measure(w_, item_args("prolong", item)));
            expect(called(prolong.samples.back(), "service.prolong"), "prolong renews upstream");
        }

        Row& close = add_row("close", {"--command", "close", "--item", "N"});
        for (int item : items) {
            close.samples.push_back(measure(w_, item_args("close", item)));
            expect(w_.host.item_status(item) == 4, "close deletes the item locally");
        }
    }

    // The client gave no CSR: the upstream makes the key pair first (certificate.order.csr,
    // RSA key generation in the fake), and the key is saved before the order.
    void open_without_csr(int R) {
        progress("creating " + std::to_string(R) + " paid orders without a CSR");
        Row& row =
            add_row("open (no CSR: upstream makes the key)", {"--command", "open", "--item", "N"});
        for (int i = 0; i < R; ++i) {
            const int item = w_.add_order().item;
            w_.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(item)});
            row.samples.push_back(measure(w_, item_args("open", item)));
            expect(called(row.samples.back(), "certificate.order.csr"), "the upstream made a key");
            expect(w_.host.item_param(item, "private_key").has_value(), "the key is saved");
        }
    }

    void import_pricelist(int R) {
        progress("fetching pricelist.export directly (" + std::to_string(options_.export_tariffs) +
                 " generated tariffs)");
        export_ = fetch_export(w_, nullptr);
        progress("export: " + fixed(megabytes(static_cast<double>(export_.bytes)), 1) +
                 " MB; fetching it again with the module's Accept-Encoding");
        export_encoded_ = fetch_export(w_, kModuleAcceptEncoding);
        // Production accepts answers up to 64 MiB; only a bigger --export-tariffs gets more.
        if (export_.bytes > kDefaultMaxResponseBytes / 20 * 19) {
            raised_max_response_ = 2 * export_.bytes;
            w_.write_config(production_config(raised_max_response_));
        }
        const std::string module = std::to_string(w_.module);
        Row& avail = add_row(
            "import_pricelist available",
            {"--command", "import_pricelist", "--module", module, "--subcommand", "available"});
        Row& one = add_row("import_pricelist pricelist --id 115",
                           {"--command", "import_pricelist", "--module", module, "--subcommand",
                            "pricelist", "--id", "115"});
        if (!import_available_) {
            avail.note = one.note =
                "not available: `features` does not list import_pricelist in this build";
            progress("import_pricelist: not available, skipped");
            return;
        }
        for (int i = 0; i < R; ++i) {
            avail.samples.push_back(measure(w_, avail.argv_shown));
            expect(avail.samples.back().out_bytes > 0, "import_pricelist available prints tariffs");
        }
        for (int i = 0; i < R; ++i) {
            one.samples.push_back(measure(w_, one.argv_shown));
            expect(called(one.samples.back(), "pricelist.export"), "the export is read upstream");
        }
    }

    // ---- many certificates -----------------------------------------------------------------

    // One row per burst: every sync_item run of the fleet, one after another as the cron
    // starts them; or one run of sync_item --module, or of import.
    struct ScaleRow {
        std::string scenario;
        std::vector<Sample> samples;
        int services = 0;
    };

    static pmtest::WorldOptions fleet_options(const std::string& more) {
        pmtest::WorldOptions o;
        o.upstream.lifetime_seconds = 4 * 3600;
        o.extra_config = production_config(0) + more;
        return o;
    }

    std::string snapshot_file(World& w) const {
        return w.host.root() + "/var/pmbillmgrssl.list." + std::to_string(w.module) + ".tsv";
    }

    ScaleRow& add_scale(const std::string& scenario, int services) {
        progress(scenario);
        scale_.push_back(ScaleRow{scenario, {}, services});
        return scale_.back();
    }

    // The burst starts with no snapshot: the previous one is long expired in production.
    void burst(World& w, const World::Fleet& fleet, ScaleRow& row) {
        std::remove(snapshot_file(w).c_str());
        for (int item : fleet.items)
            row.samples.push_back(measure(w, item_args("sync_item", item)));
    }

    void change_tenth(World& w, const World::Fleet& fleet, const std::string& date) {
        for (size_t i = 0; i < fleet.upstream_ids.size(); i += 10)
            w.upstream.set_expiry(fleet.upstream_ids[i], date);
    }

    // F issued services. The snapshot rows (ListCacheSeconds 120, the default) against
    // today's way, ListCacheSeconds 0: every sync reads its certificate with certificate.edit.
    void sync_bursts(int F) {
        progress("sync bursts: " + std::to_string(F) + " issued services");
        World w(fleet_options("ListCacheSeconds 120\n"));
        const World::Fleet fleet = w.add_issued_fleet(F);
        ScaleRow& first = add_scale(
            "first burst after the upgrade (every service reads its certificate once)", F);
        burst(w, fleet, first);
        ScaleRow& same = add_scale("burst, none changed: list snapshot", F);
        burst(w, fleet, same);
        change_tenth(w, fleet, "2031-01-01");
        ScaleRow& tenth = add_scale("burst, 10% changed: list snapshot", F);
        burst(w, fleet, tenth);

        const std::vector<std::string> batch{"--command", "sync_item", "--module",
                                             std::to_string(w.module)};
        ScaleRow& module_same = add_scale("sync_item --module, none changed", F);
        std::remove(snapshot_file(w).c_str());
        module_same.samples.push_back(measure(w, batch));
        change_tenth(w, fleet, "2033-01-01");
        ScaleRow& module_tenth = add_scale("sync_item --module, 10% changed", F);
        std::remove(snapshot_file(w).c_str());
        module_tenth.samples.push_back(measure(w, batch));
        expect(w.host.item_expiredate(fleet.items[0]) == "2033-01-01",
               "sync_item --module saved the changed expiry");

        w.write_config(production_config(0) + "ListCacheSeconds 0\n");
        ScaleRow& old_same = add_scale("burst, none changed: per-service certificate.edit", F);
        burst(w, fleet, old_same);
        change_tenth(w, fleet, "2032-01-01");
        ScaleRow& old_tenth = add_scale("burst, 10% changed: per-service certificate.edit", F);
        burst(w, fleet, old_tenth);
    }

    // import over lists of L/4, L/2 and L certificates: all but 10 closed upstream (skipped
    // without a form read), the 10 imported the first time. Then L once more, sent unpaged.
    void import_services(int L) {
        World w(fleet_options(""));
        const pmtest::CertificateOrder tariff = w.add_order();
        w.host.add_pricelist("115", tariff.itemtype);  // imported tariffs are named by id
        w.upstream.add_bulk(10, "issued");
        int listed = 10;
        const std::vector<std::string> args{"--command",  "import",
                                            "--module",   std::to_string(w.module),
                                            "--itemtype", "certificate"};
        for (int size : {L / 4, L / 2, L}) {
            progress("import: a list of " + std::to_string(size) + " certificates");
            w.upstream.add_bulk(size - listed, "deleted");
            listed = size;
            add_scale("import, " + std::to_string(size) + " certificates listed (pages of 500)",
                      size)
                .samples.push_back(measure(w, args));
        }
        w.upstream.set_shape("list_ignores_paging");
        add_scale("import, " + std::to_string(L) + " certificates in one unpaged answer", L)
            .samples.push_back(measure(w, args));
    }

    static int total_upstream(const ScaleRow& row) {
        int total = 0;
        for (const Sample& s : row.samples)
            total += s.upstream;
        return total;
    }

    void print_scale(std::ostream& out) const {
        if (scale_.empty())
            return;
        out << "Many certificates (" << options_.fleet << " issued services; each burst runs "
            << "`sync_item --item N` once per service, one after another):\n\n";
        out << "| scenario | runs | median ms per run | p90 ms | peak RSS MB (max) "
               "| upstream requests (total) | per service | mgrctl calls (total) |\n";
        out << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const ScaleRow& row : scale_) {
            std::vector<double> ms;
            long rss = 0;
            int mgrctl = 0;
            for (const Sample& s : row.samples) {
                ms.push_back(s.ms);
                rss = std::max(rss, s.maxrss_kb);
                mgrctl += s.mgrctl;
            }
            std::sort(ms.begin(), ms.end());
            const int upstream = total_upstream(row);
            out << "| " << row.scenario << " | " << row.samples.size() << " | "
                << ms_text(median(ms)) << " | " << ms_text(p90(ms)) << " | "
                << fixed(static_cast<double>(rss) / 1024.0, 1) << " | " << upstream << " | "
                << fixed(static_cast<double>(upstream) / row.services, 3) << " | " << mgrctl
                << " |\n";
        }
        out << "\n";
    }

    Options options_;
    Machine machine_ = machine();
    World w_;
    std::deque<Row> rows_;  // a deque: add_row() keeps earlier references valid
    std::deque<ScaleRow> scale_;
    bool import_available_ = false;
    DirectRequest export_;          // uncompressed
    DirectRequest export_encoded_;  // with the module's Accept-Encoding
    double fake_rtt_ms_ = 0;
    size_t raised_max_response_ = 0;
    double spawn_floor_ms_ = 0;
    long spawn_floor_rss_kb_ = 0;
    ChildRun mgrctl_ref_;
    double total_s_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    try {
        Options options = parse_options(argc, argv);
        install_signal_handlers();
        curl_global_init(CURL_GLOBAL_DEFAULT);
        Bench bench(options);
        bench.run();
        bench.print(std::cout);
        if (!options.json_file.empty())
            bench.write_json(options.json_file);
        return 0;
    } catch (const Interrupted&) {
        std::cerr << "pmbillmgrssl_bench: interrupted\n";
        return 130;
    } catch (const std::invalid_argument& e) {
        std::cerr << "pmbillmgrssl_bench: " << e.what() << "\n" << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "pmbillmgrssl_bench: " << e.what() << "\n";
        return 1;
    }
}

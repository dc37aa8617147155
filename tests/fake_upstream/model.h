// The fake upstream's data: tariffs, certificates, balance, sessions; plus money and date helpers.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fake_upstream {

using Cents = int64_t;

// "12.5" -> 1250; nullopt when not a decimal with at most two fraction digits.
std::optional<Cents> parse_money(const std::string& text);
std::string format_money(Cents amount);

std::string today();  // YYYY-MM-DD, UTC
// Adds months, clamping the day to the target month's length.
std::string add_months(const std::string& date, int months);
// End of that day (23:59:59 UTC) as a time_t.
std::time_t end_of_day(const std::string& date);

struct Tariff {
    std::string id;
    std::string name;
    std::string name_ru;
    std::string intname;
    std::string description;
    bool wildcard = false;
    bool multidomain = false;
    bool orginfo = false;
    std::map<int, Cents> price_eur;  // period in months -> price
    std::map<int, Cents> price_rub;
};

std::vector<Tariff> builtin_tariffs();
// The i-th extra tariff of --large-export (deterministic, ~3 KB when serialised).
Tariff generated_tariff(size_t index);

enum ItemStatus { kItemOrdered = 1, kItemActive = 2, kItemDeleted = 4, kItemProcessing = 5 };
enum ServiceStatus { kRequested = 3, kAwaitingDcv = 4, kIssued = 5, kFailed = 6 };

struct Certificate {
    long id = 0;
    std::string cn;
    std::string altname;  // space separated
    std::string pricelist;
    int period = 12;
    int item_status = kItemProcessing;
    int service_status = kAwaitingDcv;
    std::string createdate;
    std::string expiredate;
    std::string remoteid;
    std::string csr;
    std::string crt;
    std::string approver_method;
    std::string auth_file_protocol;  // auth_file: "on" (https) or "off" (http)
    std::vector<std::string> approver_emails;
    // What the client must publish for DNS and file validation; dcv_rotate changes it.
    int dcv_round = 1;
    // The domains re-checked by the DNS re-send function, in call order.
    std::vector<std::string> dns_rechecks;
    std::string adm_email;
    int reissue_count = 0;
    bool zip = false;
    // A reissue in progress on an upstream that keeps the old certificate issued meanwhile.
    bool reissue_pending = false;

    bool deleted() const { return item_status == kItemDeleted; }
    bool issued() const { return service_status == kIssued && !deleted(); }
    std::string status_msg() const;
    std::vector<std::string> altnames() const;
    // The TXT record value (and the file method's content) of the current dcv_round.
    std::string dcv_token() const;
    bool awaits_validation() const { return service_status == kAwaitingDcv && !deleted(); }
};

struct Account {
    std::string user;
    std::string password;
};

struct State {
    Account account;
    Cents balance = 0;
    bool two_factor = false;
    std::vector<Tariff> tariffs;
    std::map<long, Certificate> certificates;
    long next_id = 5001;
    std::set<std::string> sessions;
    long next_session = 1;
    long next_billorder = 90001;  // billing order ids: never a certificate id
    // Views that lag behind the books: the certificates as they were before the last charging
    // call, shown to the next lagging_reads reads (list and form).
    std::map<long, Certificate> lagging_view;
    int lagging_reads = 0;

    const Tariff* find_tariff(const std::string& id) const;
    Certificate* find_certificate(const std::string& id);
};

// Splits on runs of whitespace.
std::vector<std::string> split_words(const std::string& text);

}  // namespace fake_upstream

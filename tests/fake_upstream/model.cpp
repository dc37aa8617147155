#include "model.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

namespace fake_upstream {
namespace {

struct Ymd {
    int year = 0;
    int month = 0;
    int day = 0;
};

std::optional<Ymd> parse_date(const std::string& date) {
    Ymd ymd;
    if (std::sscanf(date.c_str(), "%4d-%2d-%2d", &ymd.year, &ymd.month, &ymd.day) != 3) {
        return std::nullopt;
    }
    return ymd;
}

std::string format_date(const Ymd& ymd) {
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", ymd.year, ymd.month, ymd.day);
    return text;
}

int days_in_month(int year, int month) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

Tariff tariff(std::string id, std::string name, std::string name_ru, std::string intname,
              std::string description, std::map<int, Cents> eur, std::map<int, Cents> rub) {
    Tariff t;
    t.id = std::move(id);
    t.name = std::move(name);
    t.name_ru = std::move(name_ru);
    t.intname = std::move(intname);
    t.description = std::move(description);
    t.price_eur = std::move(eur);
    t.price_rub = std::move(rub);
    return t;
}

std::string generated_description(size_t index) {
    std::ostringstream text;
    text << "Generated tariff #" << index << " for export-size tests. ";
    for (int paragraph = 0; paragraph < 12; ++paragraph) {
        text << "Paragraph " << paragraph
             << ": domain validation, 256-bit encryption, browser compatibility 99.9%, "
                "warranty & site seal <included>; выпуск за 5 минут, поддержка 24/7. ";
    }
    return text.str();
}

}  // namespace

std::optional<Cents> parse_money(const std::string& text) {
    size_t pos = 0;
    bool negative = !text.empty() && text[0] == '-';
    if (negative)
        pos = 1;
    Cents whole = 0;
    size_t digits = 0;
    for (; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
        whole = whole * 10 + (text[pos] - '0');
        ++digits;
    }
    Cents fraction = 0;
    size_t fraction_digits = 0;
    if (pos < text.size() && text[pos] == '.') {
        for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]));
             ++pos) {
            fraction = fraction * 10 + (text[pos] - '0');
            ++fraction_digits;
        }
    }
    if (digits == 0 || digits > 15 || fraction_digits > 2 || pos != text.size()) {
        return std::nullopt;
    }
    if (fraction_digits == 1)
        fraction *= 10;
    Cents amount = whole * 100 + fraction;
    return negative ? -amount : amount;
}

std::string format_money(Cents amount) {
    Cents magnitude = amount < 0 ? -amount : amount;
    char text[32];
    std::snprintf(text, sizeof text, "%s%lld.%02lld", amount < 0 ? "-" : "",
                  static_cast<long long>(magnitude / 100), static_cast<long long>(magnitude % 100));
    return text;
}

std::string today() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    return format_date({utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday});
}

std::string add_months(const std::string& date, int months) {
    auto ymd = parse_date(date);
    if (!ymd)
        ymd = parse_date(today());
    int total = ymd->year * 12 + (ymd->month - 1) + months;
    Ymd result{total / 12, total % 12 + 1, 0};
    result.day = std::min(ymd->day, days_in_month(result.year, result.month));
    return format_date(result);
}

std::time_t end_of_day(const std::string& date) {
    auto ymd = parse_date(date);
    if (!ymd)
        return std::time(nullptr);
    std::tm utc{};
    utc.tm_year = ymd->year - 1900;
    utc.tm_mon = ymd->month - 1;
    utc.tm_mday = ymd->day;
    utc.tm_hour = 23;
    utc.tm_min = 59;
    utc.tm_sec = 59;
    return timegm(&utc);
}

std::vector<Tariff> builtin_tariffs() {
    std::vector<Tariff> tariffs = {
        tariff("115", "Sectigo PositiveSSL", "Sectigo PositiveSSL (DV)", "positivessl",
               "Domain validation (DV) for one domain & www; issued in minutes.",
               {{12, 1000}, {24, 1800}}, {{12, 99000}, {24, 179000}}),
        tariff("116", "Sectigo PositiveSSL Wildcard", "Sectigo PositiveSSL Wildcard (DV)",
               "positivessl_wildcard",
               "DV certificate for *.domain and all first-level subdomains.",
               {{12, 9500}, {24, 17500}}, {{12, 890000}, {24, 1650000}}),
        tariff("117", "Sectigo PositiveSSL Multi-Domain", "Sectigo PositiveSSL Мультидомен",
               "positivessl_multidomain", "DV certificate for up to 250 domains <SAN>.",
               {{12, 3000}, {24, 5500}}, {{12, 290000}, {24, 530000}}),
        tariff("118", "Sectigo InstantSSL (OV)", "Sectigo InstantSSL (проверка организации)",
               "instantssl", "Organisation validation: company name \"in the certificate\".",
               {{12, 4500}, {24, 8500}}, {{12, 430000}, {24, 810000}}),
        tariff("119", "Sectigo EV SSL", "Sectigo EV SSL (расширенная проверка)", "ev_ssl",
               "Extended validation — the strictest check of the organisation.",
               {{12, 12000}, {24, 23000}}, {{12, 1150000}, {24, 2200000}}),
        tariff("120", "Sectigo PositiveSSL Multi-Domain Wildcard",
               "Sectigo PositiveSSL Мультидомен Wildcard", "positivessl_multidomain_wildcard",
               "DV certificate for several wildcard names; it's the most flexible DV option.",
               {{12, 19000}, {24, 36000}}, {{12, 1800000}, {24, 3400000}}),
    };
    tariffs[1].wildcard = true;
    tariffs[2].multidomain = true;
    tariffs[3].orginfo = true;
    tariffs[4].orginfo = true;
    tariffs[5].wildcard = true;
    tariffs[5].multidomain = true;
    return tariffs;
}

Tariff generated_tariff(size_t index) {
    std::string number = std::to_string(index + 1);
    Cents price = 500 + static_cast<Cents>(index % 1000) * 10;
    return tariff(std::to_string(100001 + index), "Generated certificate tariff " + number,
                  "Сгенерированный тариф " + number, "generated_" + number,
                  generated_description(index + 1), {{12, price}, {24, price * 18 / 10}},
                  {{12, price * 95}, {24, price * 171}});
}

std::string Certificate::status_msg() const {
    if (deleted())
        return "Deleted";
    if (reissue_pending)
        return "Reissue requested";
    switch (service_status) {
        case kRequested:
            return "Certificate requested";
        case kAwaitingDcv:
            return "Awaiting domain control validation";
        case kIssued:
            return "Issued";
        case kFailed:
            return "Issuance failed";
        default:
            return "Unknown";
    }
}

std::string Certificate::dcv_token() const {
    return "pmb-dcv-" + std::to_string(id) + "-" + std::to_string(dcv_round);
}

std::vector<std::string> Certificate::altnames() const {
    return split_words(altname);
}

const Tariff* State::find_tariff(const std::string& id) const {
    for (const auto& t : tariffs) {
        if (t.id == id)
            return &t;
    }
    return nullptr;
}

Certificate* State::find_certificate(const std::string& id) {
    try {
        size_t used = 0;
        long number = std::stol(id, &used);
        if (used != id.size())
            return nullptr;
        auto it = certificates.find(number);
        return it == certificates.end() ? nullptr : &it->second;
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string word; in >> word;)
        words.push_back(word);
    return words;
}

}  // namespace fake_upstream

// Status numbers both sides speak: the upstream parser maps status texts to them, the
// lifecycle and the service import decide by them.
#pragma once

namespace pmb {

// Item status; BILLmanager's item.status and the upstream's item_status use the same numbers.
inline constexpr int kItemOrdered = 1;
inline constexpr int kItemActive = 2;
inline constexpr int kItemSuspended = 3;
inline constexpr int kItemDeleted = 4;
inline constexpr int kItemProcessing = 5;

// Certificate service_status, as BILLmanager's certificate items and the upstream use it.
inline constexpr int kStatusRequested = 3;
inline constexpr int kStatusPending = 4;
inline constexpr int kStatusIssued = 5;
inline constexpr int kStatusFailed = 6;

}  // namespace pmb

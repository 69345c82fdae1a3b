// Early returns for absl::Status and absl::StatusOr, the one family used
// across the project (engine, repository, server, tools).
//
//   CONVOY_RETURN_IF_ERROR(file.Open());              // returns the status if not OK
//   CONVOY_ASSIGN_OR_RETURN(Tensor t, Decode(bytes));  // returns the status, else assigns
#ifndef CONVOY_COMMON_STATUS_MACROS_H_
#define CONVOY_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CONVOY_RETURN_IF_ERROR(expr)                       \
  do {                                                     \
    const absl::Status convoy_status_ = (expr);            \
    if (!convoy_status_.ok()) return convoy_status_;       \
  } while (0)

#define CONVOY_ASSIGN_OR_RETURN(lhs, expr) \
  CONVOY_ASSIGN_OR_RETURN_IMPL_(CONVOY_STATUS_CONCAT_(convoy_statusor_, __LINE__), lhs, expr)
#define CONVOY_STATUS_CONCAT_INNER_(a, b) a##b
#define CONVOY_STATUS_CONCAT_(a, b) CONVOY_STATUS_CONCAT_INNER_(a, b)
#define CONVOY_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = *std::move(tmp)

#endif  // CONVOY_COMMON_STATUS_MACROS_H_

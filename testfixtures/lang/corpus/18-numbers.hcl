service "num" {
  flex_min = 0
  flex_max = 99999999999999999999
  app "a" {
    type          = "ltapp"
    start         = format("%d", 1e20)
    retries       = 1e-300
    restart       = 4294967296
    restart_delay = "9999999999999999h"
    timeout       = "${1/0}s"
  }
  app "b" {
    type  = "ltapp"
    start = format("%999999d", 1)
    stop  = format("%.99999f", 1)
    check = substr("abc", 9999999999, -1)
  }
}

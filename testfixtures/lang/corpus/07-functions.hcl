service "fn" {
  nodes = [for n in ["a", "b", "c"] : upper(n)]
  app   = format("%s-%v-%05.1f", "x", 3, 2.5)
  app "a" {
    type    = "ltapp"
    start   = join(" ", concat(split(",", "a,b"), [lower("C")], formatlist("%s!", ["d", "e"])))
    env     = merge({ A = "1" }, zipmap(["B"], [jsonencode({ x = [1, 2] })]), { C = tostring(length(service.nodes)) })
    retries = max(1, min(10, abs(-4), parseint("ff", 16)))
    check   = regex_replace("abc", "b+", "X")
    timeout = "${ceil(1.2)}s"
  }
}

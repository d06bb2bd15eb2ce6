service "tpl" {
  nodes = ["n1"]
  app "a" {
    type  = "ltapp"
    start = <<-EOT
      %{ for n in service.nodes ~}
      echo ${n} on ${node.name}
      %{ endfor ~}
      %{ if node.name == "n1" }first%{ else }other%{ endif }
    EOT
    stop  = node.name == "n1" ? "stop-a" : "stop-b"
    check = service.nodes[0]
  }
}

# Loaded first: files of a directory load in name order.
service "web" {
  nodes = ["n1"]
}

service "db" {
  nodes = ["n2"]
}

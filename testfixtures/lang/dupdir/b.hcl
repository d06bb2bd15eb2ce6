# Declares web again: a duplicate across the files of one directory.
service "web" {
  nodes = ["n3"]
}

# In a subdirectory: Load does not recurse.
service "nested" {}

[DEFAULT]
nodes = n1 n2
orchestrate = ha

[ip#0]
ipname@n1 = 198.18.0.1
ipdev = eth0

[app#web]
monitor = True
start = {fs#app.mnt}/run

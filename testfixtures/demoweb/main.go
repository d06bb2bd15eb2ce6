// Command demoweb is the small web application of the demo and the tests:
// it serves a directory on an address, and prints a greeting naming the
// node it runs on.
//
//	demoweb serve -root DIR -addr 198.18.0.10:8080
//	demoweb get http://198.18.0.10:8080/   (a curl stand-in for minimal hosts)
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: demoweb serve -root DIR -addr HOST:PORT | demoweb get URL")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "get":
		get(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "demoweb: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	root := fs.String("root", ".", "directory to serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	fs.Parse(args)
	host, _ := os.Hostname()
	node := os.Getenv("OMHCL_NODE")
	if node == "" {
		node = host
	}
	files := http.FileServer(http.Dir(*root))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			if _, err := os.Stat(*root + "/index.html"); err != nil {
				fmt.Fprintf(w, "Hello from demoweb on node %s, serving %s at %s\n", node, *root, *addr)
				return
			}
		}
		files.ServeHTTP(w, r)
	})
	srv := &http.Server{Addr: *addr, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "demoweb:", err)
		os.Exit(1)
	}
}

func get(args []string) {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: demoweb get URL")
		os.Exit(2)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "demoweb:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
	if resp.StatusCode != http.StatusOK {
		os.Exit(1)
	}
}

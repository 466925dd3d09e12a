package main

import (
	"log"
	"net/http"

	"github.com/acme/ledger/internal/store"
)

func main() {
	s := store.New()
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/entries", s.List)
	log.Fatal(http.ListenAndServe(":8070", mux))
}

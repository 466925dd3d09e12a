package store

import (
	"encoding/json"
	"net/http"
)

type Store struct{ entries []string }

func New() *Store { return &Store{} }

func (s *Store) List(w http.ResponseWriter, _ *http.Request) {
	_ = json.NewEncoder(w).Encode(s.entries)
}

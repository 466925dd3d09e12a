"""Test peers: real protocol servers the code under test talks to over the network."""

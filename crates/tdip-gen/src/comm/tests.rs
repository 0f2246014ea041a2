//! Tests of the communication and cell generators.

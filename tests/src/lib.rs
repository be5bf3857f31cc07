pub mod support;
pub mod webdriver;

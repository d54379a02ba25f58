variable "ids" {
  type    = sequence(string)
  default = []
}

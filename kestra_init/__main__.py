from kestra_init.cli import main

main()
